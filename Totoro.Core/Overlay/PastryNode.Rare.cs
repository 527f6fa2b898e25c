namespace Totoro.Core.Overlay;

/// <summary>
/// What few nodes ever need: the lookups a node started and is waiting on, the peers it declared dead (real mode), and
/// the counts of what it gave up on or ignored. One object made on first use, so that the many nodes of a simulation
/// that never start a lookup pay one reference for it, not 44 bytes of fields.
/// </summary>
public sealed partial class PastryNode
{
    private RareState? _rare;

    private RareState Rare => _rare ??= new RareState();

    private sealed class RareState
    {
        public List<PendingLookup>? PendingLookups;
        public DepartedPeers? Departed;
        public JoinConfirmation? Confirmation;
        public long IgnoredFailureNotices;
        public int NextLookupSequence;
        public int LookupsResent;
        public int LookupsTimedOut;
        public int DroppedLookups;
    }
}
