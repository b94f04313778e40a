using DpcPi.Kernel;
using DpcPi.Platform;

namespace DpcPi.Interrupts;

/// <summary>
/// A periodic hardware timer interrupt (timerfd, CLOCK_MONOTONIC, absolute expiries, as cyclictest
/// uses). Each expiry is dispatched with its PROGRAMMED expiry time as the event timestamp, so the
/// recorded latency is expiry→ISR and expiry→DPC. When the ISR thread was so late that several expiries
/// passed (timerfd count &gt; 1), the interrupt has been pending since the OLDEST of them: that one is its
/// timestamp, so the lateness is measured whole, as cyclictest measures a late wake-up against the expiry
/// it slept for. The later expiries merged into it are counted as overruns, never hidden.
/// </summary>
public sealed class TimerInterruptSource : IInterruptSource, IDisposable
{
    private readonly TimerFd _timer = new();
    private long _nextExpiryNs;
    private long _periodNs;
    private ulong _expirations;

    public System.Runtime.InteropServices.SafeHandle Handle => _timer.Handle;

    public long PeriodNs => _periodNs;

    public ulong Expirations => _expirations;

    /// <summary>Expiries that passed without their own interrupt because the ISR thread was late (merged into the interrupt of the oldest).</summary>
    public long Overruns { get; private set; }

    /// <summary>Arms the timer: first expiry at <paramref name="firstExpiryNs"/> (CLOCK_MONOTONIC), then every <paramref name="periodNs"/>.</summary>
    public void Start(long firstExpiryNs, long periodNs)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(periodNs, 1000L);
        _periodNs = periodNs;
        _nextExpiryNs = firstExpiryNs;
        _timer.SetAbsolute(firstExpiryNs, periodNs);
    }

    public void Stop() => _timer.Disarm();

    public void Service(Interrupt interrupt)
    {
        var count = _timer.ReadExpirations();
        if (count == 0)
        {
            return;
        }

        // Pending since the oldest expiry in this read; the ones after it merged into this interrupt.
        // (Stamping the newest instead would cap every late interrupt's latency at one period.)
        var expiry = _nextExpiryNs;
        _nextExpiryNs = expiry + ((long)count * _periodNs);
        _expirations += count;
        Overruns += (long)count - 1;
        var frame = new InterruptFrame
        {
            TimestampNs = expiry,
            Sequence = _expirations,
            Code = (int)(count - 1),
        };
        interrupt.Dispatch(ref frame);
    }

    public void Dispose() => _timer.Dispose();
}
