using System.Runtime.InteropServices;

namespace Totoro.Sim.Kernel;

public enum SimEventKind : byte
{
    Deliver = 1,
    Timer = 2,
    Control = 3,
}

/// <summary>
/// One pending event: a message delivery, a node's timer, or a control step of the scenario. 24 bytes: a delivery's
/// message waits in the world's message slots (<see cref="Argument"/> is its slot), so the many pending timers of a
/// large world do not each carry an empty message.
/// </summary>
[StructLayout(LayoutKind.Explicit)]
public struct SimEvent
{
    /// <summary>A timer's argument, a control step's argument, or a delivery's message slot.</summary>
    [FieldOffset(0)]
    public long Argument;

    /// <summary>The node index; for control events, the control code.</summary>
    [FieldOffset(8)]
    public int Target;

    /// <summary>A delivery's sender.</summary>
    [FieldOffset(12)]
    public int From;

    /// <summary>A timer's number (shares <see cref="From"/>'s place: an event is one or the other).</summary>
    [FieldOffset(12)]
    public int Timer;

    [FieldOffset(16)]
    public SimEventKind Kind;
}
