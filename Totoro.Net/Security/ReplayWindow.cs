namespace Totoro.Net.Security;

/// <summary>
/// Sliding-window replay check over 64-bit sequence numbers (the IPsec/WireGuard scheme): a number is accepted once,
/// if it is newer than the highest seen or within <see cref="Size"/> below it and not seen yet. Check before the
/// (costly) decryption, <see cref="Commit"/> only after it succeeded, so forged packets cannot move the window.
/// </summary>
public sealed class ReplayWindow
{
    public const int Size = 1024;
    private const int Words = (Size / 64) + 1; // a window of Size numbers spans one word more than Size / 64 unless aligned

    private readonly ulong[] _bits = new ulong[Words];
    private ulong _highest;
    private bool _any;

    public bool CanAccept(ulong sequence)
    {
        if (!_any || sequence > _highest)
            return true;
        ulong behind = _highest - sequence;
        if (behind >= Size)
            return false;
        return (_bits[(int)(sequence / 64 % Words)] & (1UL << (int)(sequence % 64))) == 0;
    }

    public void Commit(ulong sequence)
    {
        if (!_any)
        {
            _any = true;
            _highest = sequence;
            Array.Clear(_bits);
        }
        else if (sequence > _highest)
        {
            // Clear the words the window slides over (all of them after a long jump).
            ulong from = (_highest / 64) + 1;
            ulong to = sequence / 64;
            if (to - from + 1 >= Words)
            {
                Array.Clear(_bits);
            }
            else
            {
                for (ulong w = from; w <= to; w++)
                    _bits[(int)(w % Words)] = 0;
            }

            _highest = sequence;
        }

        _bits[(int)(sequence / 64 % Words)] |= 1UL << (int)(sequence % 64);
    }
}
