namespace Totoro.Core.Runtime;

/// <summary>What a world delivers to a node: messages and its own timers, one at a time.</summary>
public interface INodeProgram
{
    void Receive(PeerHandle from, in Message message);

    void OnTimer(int timer, long argument);
}
