namespace DpcPi.Kernel;

/// <summary>
/// The "DPC interrupt request" of one worker: a flag plus the wait strategy's way of sleeping on it.
/// <see cref="Request"/> is called from the ISR (or any inserting thread) and never blocks; it only
/// pays for a futex wake when the worker is actually asleep (Dekker-style handshake on two flags).
/// </summary>
internal sealed class WorkerSignal : IDisposable
{
    private readonly DpcWaitStrategy _strategy;
    private readonly long _spinNs;
    private readonly ManualResetEventSlim _event = new(false, spinCount: 0);
    private int _requested;
    private int _sleeping;
    private volatile bool _stopping;

    public WorkerSignal(DpcWaitStrategy strategy, long spinNs)
    {
        _strategy = strategy;
        _spinNs = spinNs;
    }

    public bool IsRequested => Volatile.Read(ref _requested) != 0;

    public bool IsStopping => _stopping;

    /// <summary>Asks the worker to drain. Returns false when a request was already pending.</summary>
    public bool Request()
    {
        if (Interlocked.Exchange(ref _requested, 1) != 0)
        {
            return false;
        }

        if (Volatile.Read(ref _sleeping) != 0)
        {
            _event.Set();
        }

        return true;
    }

    /// <summary>Clears a pending request (manual kernels drain on the caller's thread).</summary>
    public void ConsumeRequest() => Interlocked.Exchange(ref _requested, 0);

    public void Stop()
    {
        _stopping = true;
        Volatile.Write(ref _requested, 1);
        _event.Set();
    }

    /// <summary>Waits until a drain is requested (and consumes the request) or the worker is stopped.</summary>
    public void Wait()
    {
        if (Interlocked.Exchange(ref _requested, 0) != 0)
        {
            return;
        }

        if (_strategy != DpcWaitStrategy.Blocking)
        {
            var until = _strategy == DpcWaitStrategy.BusySpin ? long.MaxValue : Platform.MonotonicClock.NowNs + _spinNs;
            var spins = 0;
            while (true)
            {
                if (Volatile.Read(ref _requested) != 0 && Interlocked.Exchange(ref _requested, 0) != 0)
                {
                    return;
                }

                if (_stopping)
                {
                    return;
                }

                Thread.SpinWait(1); // one pause: check the flag as often as the raw floor does
                if ((++spins & 255) == 0 && Platform.MonotonicClock.NowNs >= until)
                {
                    break;
                }
            }
        }

        while (!_stopping)
        {
            Interlocked.Exchange(ref _sleeping, 1);
            if (Interlocked.Exchange(ref _requested, 0) != 0)
            {
                Volatile.Write(ref _sleeping, 0);
                return;
            }

            _event.Wait();
            _event.Reset();
            Volatile.Write(ref _sleeping, 0);
            if (Interlocked.Exchange(ref _requested, 0) != 0)
            {
                return;
            }
        }
    }

    public void Dispose() => _event.Dispose();
}
