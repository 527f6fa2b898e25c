using Totoro.Core.Runtime;

namespace Totoro.Sim.Kernel;

public enum SimEventKind : byte
{
    Deliver = 1,
    Timer = 2,
    Control = 3,
}

/// <summary>One pending event: a message delivery, a node's timer, or a control step of the scenario.</summary>
public struct SimEvent
{
    public SimEventKind Kind;
    public int Target; // node index; for control events, the control code
    public int From;
    public int Timer;
    public long Argument;
    public Message Message;
}
