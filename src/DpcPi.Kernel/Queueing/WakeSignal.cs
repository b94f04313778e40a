using System.Runtime.CompilerServices;
using DpcPi.Platform;

namespace DpcPi.Kernel;

/// <summary>
/// How a sleeping DPC worker is woken: a futex word, set once per sleep. Waking costs the waker one atomic
/// exchange and, only when the word was clear, one futex wake system call (no user-space lock, no
/// condition variable: the ISR thread pays as little as the kernel allows); the sleeper re-checks its queue
/// after every return, so spurious wake-ups are harmless. The word lives in pinned memory on a line of its own.
/// </summary>
internal sealed unsafe class WakeSignal
{
    private readonly int[] _words = GC.AllocateArray<int>(48, pinned: true);
    private readonly int* _word;

    public WakeSignal()
    {
        if (!Futex.IsSupported)
        {
            throw new PlatformNotSupportedException("DPC workers sleep on a Linux futex; this platform has none DpcPi knows.");
        }

        _word = (int*)Unsafe.AsPointer(ref _words[24]); // 64+ bytes from the array's header and from its end
    }

    /// <summary>Signals the sleeper (or the next sleep). Never blocks; at most one system call.</summary>
    public void Set()
    {
        if (Interlocked.Exchange(ref *_word, 1) == 0)
        {
            Futex.Wake(_word, 1);
        }
    }

    /// <summary>Sleeps unless signalled since the last <see cref="Reset"/>; may also return spuriously.</summary>
    public void Wait() => Futex.Wait(_word, 0);

    public void Reset() => Volatile.Write(ref *_word, 0);
}
