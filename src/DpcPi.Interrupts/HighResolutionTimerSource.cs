using DpcPi.Kernel;
using DpcPi.Platform;

namespace DpcPi.Interrupts;

/// <summary>
/// The one-shot hardware timer of <see cref="TimerMode.HighResolution"/>: a timerfd (CLOCK_MONOTONIC,
/// absolute) always programmed at the timer table's <see cref="TimerTable.NextHardwareExpiryNs"/> —
/// the earliest due + tolerable delay — and disarmed when no timer is set. Connect it with
/// <see cref="DpcKernel.ConnectTimerInterrupt"/>: each interrupt expires every timer whose window it
/// falls in, so coalescable timers share interrupts, and the table's change callback reprograms it.
/// Each interrupt carries the expiry it was programmed for as its event time.
/// </summary>
public sealed class HighResolutionTimerSource : IInterruptSource, IDisposable
{
    private readonly TimerFd _timer = new();
    private TimerTable? _table;
    private long _programmedNs = long.MaxValue;
    private long _reprograms;
    private long _interrupts;

    public System.Runtime.InteropServices.SafeHandle Handle => _timer.Handle;

    /// <summary>The expiry the timerfd is armed for (absolute ns), <see cref="long.MaxValue"/> when disarmed.</summary>
    public long ProgrammedExpiryNs => Volatile.Read(ref _programmedNs);

    /// <summary>How many times the timerfd was (re)programmed.</summary>
    public long Reprograms => Volatile.Read(ref _reprograms);

    /// <summary>Timer interrupts dispatched.</summary>
    public long Interrupts => Volatile.Read(ref _interrupts);

    /// <summary>Follows <paramref name="table"/> from now on: programs its next expiry and reprograms on every change.</summary>
    public void Attach(TimerTable table)
    {
        ArgumentNullException.ThrowIfNull(table);
        if (table.Mode != TimerMode.HighResolution)
        {
            throw new ArgumentException($"The timer table runs in {table.Mode} mode: its timers expire on the clock tick, not on a one-shot timer (set KernelOptions.TimerMode = HighResolution).", nameof(table));
        }

        if (Interlocked.CompareExchange(ref _table, table, null) is not null)
        {
            throw new InvalidOperationException("This timer source already follows a timer table.");
        }

        table.HardwareExpiryChanged = _ => Reprogram();
        Reprogram();
    }

    /// <summary>Stops following the table and disarms the timerfd.</summary>
    public void Detach()
    {
        if (Interlocked.Exchange(ref _table, null) is { } table)
        {
            table.HardwareExpiryChanged = null;
        }

        _timer.Disarm();
        Volatile.Write(ref _programmedNs, long.MaxValue);
    }

    public void Service(Interrupt interrupt)
    {
        var count = _timer.ReadExpirations();
        if (count == 0)
        {
            return; // reprogrammed between the wake-up and the read: the new expiry will come
        }

        var frame = new InterruptFrame
        {
            TimestampNs = Volatile.Read(ref _programmedNs),
            Sequence = (ulong)Interlocked.Increment(ref _interrupts),
        };
        interrupt.Dispatch(ref frame);
    }

    public void Dispose()
    {
        Detach();
        _timer.Dispose();
    }

    /// <summary>
    /// Programs the table's current next expiry. Called from whichever thread changed the table (a set or
    /// cancel, or the expiry pass on the ISR thread), outside its lock and without one of our own: if the
    /// table moved on while this thread was programming, it programs again, so the last write always
    /// matches the table whatever order racing callers run in.
    /// </summary>
    private void Reprogram()
    {
        var table = Volatile.Read(ref _table);
        if (table is null)
        {
            return;
        }

        long version;
        do
        {
            version = table.ProgramVersion;
            var next = table.NextHardwareExpiryNs;
            Interlocked.Increment(ref _reprograms);
            Volatile.Write(ref _programmedNs, next);
            if (next == long.MaxValue)
            {
                _timer.Disarm();
            }
            else
            {
                _timer.SetAbsolute(next);
            }
        }
        while (version != table.ProgramVersion);
    }
}
