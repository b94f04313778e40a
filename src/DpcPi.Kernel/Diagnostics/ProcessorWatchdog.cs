namespace DpcPi.Kernel;

/// <summary>
/// One core's DPC watchdog: detects, while the routine is still running, a DPC over its limit or a core too long
/// in DPCs. Each run (per-DPC) and each continuous drain (cumulative) is reported once, at the first tick past its
/// limit. Its state is written only by <see cref="Check"/>, under the core's lock.
/// </summary>
internal sealed class ProcessorWatchdog(int cpu, Lock coreLock, DpcDrain normalDrain, KernelOptions options, KernelEventLog log)
{
    // Under the core's lock.
    private Dpc? _flaggedDpc;
    private long _flaggedStart;
    private long _cumulativeFlaggedDrain;
    private long _perDpc;
    private long _cumulative;

    public long PerDpcViolations => Volatile.Read(ref _perDpc);

    public long CumulativeViolations => Volatile.Read(ref _cumulative);

    /// <summary>
    /// After the ISR thread ran this core's DPCs (<see cref="KernelOptions.RunLocalDpcsOnIsrThread"/>): the clock
    /// interrupt is the ISR thread's too, so no tick could look while they ran. The same limits are applied to what
    /// ran, once it has returned (Windows' tick would have caught it running): its longest routine and its span.
    /// </summary>
    public void CheckIsrDrain(in IsrDrainSummary ran)
    {
        var o = options;
        if (ran.LongestNs <= o.WatchdogDpcLimitNs && ran.LastEndNs - ran.FirstStartNs <= o.WatchdogCumulativeLimitNs)
        {
            return;
        }

        WatchdogEvent? single = null;
        WatchdogEvent? cumulative = null;
        using (coreLock.EnterScope())
        {
            if (ran.LongestNs > o.WatchdogDpcLimitNs && !(ReferenceEquals(ran.Longest, _flaggedDpc) && ran.LongestStartNs == _flaggedStart))
            {
                _flaggedDpc = ran.Longest;
                _flaggedStart = ran.LongestStartNs;
                _perDpc++;
                single = new WatchdogEvent(WatchdogKind.SingleDpc, cpu, ran.Longest!.Name, ran.LongestNs, o.WatchdogDpcLimitNs, ran.LastEndNs);
            }

            if (ran.LastEndNs - ran.FirstStartNs > o.WatchdogCumulativeLimitNs && ran.FirstStartNs != _cumulativeFlaggedDrain)
            {
                _cumulativeFlaggedDrain = ran.FirstStartNs;
                _cumulative++;
                cumulative = new WatchdogEvent(WatchdogKind.Cumulative, cpu, ran.Longest!.Name, ran.LastEndNs - ran.FirstStartNs, o.WatchdogCumulativeLimitNs, ran.LastEndNs);
            }
        }

        if (single is not null)
        {
            log.ReportWatchdog(single);
        }

        if (cumulative is not null)
        {
            log.ReportWatchdog(cumulative);
        }
    }

    /// <summary>
    /// The clock tick's check. The running routine and its start are read under the queue lock, so they always
    /// belong to the same run (a routine that just finished is never paired with the start of the next one), and
    /// concurrent ticks cannot report one violation twice.
    /// </summary>
    public void Check(long nowNs)
    {
        var o = options;

        // Without the lock first: in the steady state no routine is over its limit and no drain over the
        // cumulative one, and the tick leaves the worker's lock alone. A possible violation (a torn read can
        // only make one look possible) is confirmed under the lock.
        var maybeSingle = normalDrain.RoutineActive && nowNs - normalDrain.RoutineStartNs > o.WatchdogDpcLimitNs;
        var drainStarted = normalDrain.DrainStartNs;
        var maybeCumulative = drainStarted != 0 && nowNs - drainStarted > o.WatchdogCumulativeLimitNs;
        if (!maybeSingle && !maybeCumulative)
        {
            return;
        }

        WatchdogEvent? single = null;
        WatchdogEvent? cumulative = null;
        using (coreLock.EnterScope())
        {
            var dpc = normalDrain.RoutineActive ? normalDrain.CurrentDpc : null;
            var start = normalDrain.RoutineStartNs;
            if (dpc is not null)
            {
                var running = nowNs - start;
                if (running > o.WatchdogDpcLimitNs && !(ReferenceEquals(dpc, _flaggedDpc) && start == _flaggedStart))
                {
                    _flaggedDpc = dpc;
                    _flaggedStart = start;
                    _perDpc++;
                    single = new WatchdogEvent(WatchdogKind.SingleDpc, cpu, dpc.Name, running, o.WatchdogDpcLimitNs, nowNs);
                }
            }

            var drainStart = normalDrain.DrainStartNs;
            if (drainStart != 0 && nowNs - drainStart > o.WatchdogCumulativeLimitNs && drainStart != _cumulativeFlaggedDrain)
            {
                _cumulativeFlaggedDrain = drainStart;
                _cumulative++;
                cumulative = new WatchdogEvent(WatchdogKind.Cumulative, cpu, dpc?.Name, nowNs - drainStart, o.WatchdogCumulativeLimitNs, nowNs);
            }
        }

        if (single is not null)
        {
            log.ReportWatchdog(single);
        }

        if (cumulative is not null)
        {
            log.ReportWatchdog(cumulative);
        }
    }
}
