using DpcPi.Platform;

namespace DpcPi.Kernel;

/// <summary>
/// The dispatcher-object half of a <see cref="KernelTimer"/> (its DISPATCHER_HEADER: signal state and waiters).
/// An expiry signals it on the ISR thread without blocking: one store, and only when threads wait, one futex wake
/// (all of them for a notification timer, one for a synchronization timer). Waiters sleep on the futex word, a
/// generation count the signal bumps, and re-check the state after every return, so a wake-up is never lost
/// (each side writes its own word, then reads the other's: the state/waiters pair is Dekker's handshake).
/// Who writes what: <c>_state</c> the expiry (1), <see cref="Reset"/> (0) and a satisfied wait on a
/// synchronization timer (a compare-exchange from 1 to 0); <c>_waiters</c> the waiters (interlocked);
/// the generation the signal (interlocked).
/// </summary>
internal sealed unsafe class TimerSignal
{
    private readonly int[] _words = GC.AllocateArray<int>(32, pinned: true); // the futex word, on a line of its own
    private readonly int* _generation;
    private readonly bool _synchronization;
    private int _state;
    private int _waiters;

    public TimerSignal(TimerType type)
    {
        _synchronization = type == TimerType.Synchronization;
        fixed (int* words = _words)
        {
            _generation = words + 16; // pinned: the address stays valid
        }
    }

    public bool IsSignaled => Volatile.Read(ref _state) != 0;

    /// <summary>Threads inside <see cref="Wait"/> now (a test hook: wait until waiters are blocked before expiring).</summary>
    public int Waiters => Volatile.Read(ref _waiters);

    /// <summary>KeSetTimer's reset to not signaled.</summary>
    public void Reset() => Volatile.Write(ref _state, 0);

    /// <summary>An expiry: signaled, and the waiters woken (one for a synchronization timer). Never blocks; allocates nothing.</summary>
    public void Signal()
    {
        Interlocked.Exchange(ref _state, 1); // a full fence: the state is seen before the waiters are read
        if (Volatile.Read(ref _waiters) != 0)
        {
            Interlocked.Increment(ref *_generation);
            Futex.Wake(_generation, _synchronization ? 1 : int.MaxValue);
        }
    }

    /// <summary>Whether a wait is satisfied now: a signaled notification timer stays signaled; a synchronization timer is reset by the wait it satisfies.</summary>
    public bool TryAcquire() => _synchronization
        ? Volatile.Read(ref _state) != 0 && Interlocked.CompareExchange(ref _state, 0, 1) == 1
        : Volatile.Read(ref _state) != 0;

    /// <summary>Blocks until satisfied (true) or until <paramref name="clock"/> reaches <paramref name="deadlineNs"/> (false; <see cref="long.MaxValue"/> = never).</summary>
    public bool Wait(IKernelClock clock, long deadlineNs)
    {
        while (true)
        {
            if (TryAcquire())
            {
                return true;
            }

            var now = clock.NowNs;
            if (now >= deadlineNs)
            {
                return false;
            }

            var generation = Volatile.Read(ref *_generation);
            Interlocked.Increment(ref _waiters); // a full fence: counted before the state is read again
            try
            {
                if (TryAcquire())
                {
                    return true;
                }

                if (deadlineNs == long.MaxValue)
                {
                    Futex.Wait(_generation, generation);
                }
                else
                {
                    Futex.Wait(_generation, generation, deadlineNs - now);
                }
            }
            finally
            {
                Interlocked.Decrement(ref _waiters);
            }
        }
    }
}
