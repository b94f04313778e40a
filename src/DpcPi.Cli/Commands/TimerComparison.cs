using System.Globalization;
using DpcPi.Bench;
using DpcPi.Kernel;
using DpcPi.Kernel.Measurement;
using DpcPi.Measurement;
using DpcPi.Platform;

namespace DpcPi.Cli.Commands;

/// <summary>
/// `dpcpi bench --cyclictest`: our timer source and cyclictest at the same priority and interval, in rounds that
/// alternate which side runs first, each side's rounds pooled. On a host whose timer delivery drifts from one
/// minute to the next (a VM: cyclictest's own p99 moved between 75 µs and 2.5 ms across runs on the CI machine)
/// one run of each, one after the other, compares two moments of the host; alternating rounds give both sides the
/// same stretches of time, as the bench's rounds do for its contenders.
/// </summary>
internal sealed class TimerComparison
{
    private readonly Func<int, CancellationToken, OursRound> _runOurs;
    private readonly Func<int, TheirRound> _runCyclictest;

    public TimerComparison(Func<int, CancellationToken, OursRound> runOurs, Func<int, TheirRound> runCyclictest)
    {
        _runOurs = runOurs;
        _runCyclictest = runCyclictest;
    }

    /// <summary>The real sides: a <see cref="LatencySession"/> on the timer source, and cyclictest (rt-tests).</summary>
    public static TimerComparison Create(int priority, int intervalUs) => new(
        (loops, token) => RunOurs(priority, intervalUs, loops, token),
        loops =>
        {
            var cpus = ThreadControl.GetAllowedCpus();
            var before = CpuTimes.Read(cpus);
            var result = CyclictestComparison.Run(priority, intervalUs, loops);
            return new TheirRound(result, CpuTimes.Between(before, CpuTimes.Read(cpus)));
        });

    /// <summary>Runs <paramref name="rounds"/> rounds sharing <paramref name="loops"/>; odd rounds run cyclictest first. Stops at a cyclictest failure.</summary>
    public Result Run(int loops, int rounds, CancellationToken token)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rounds);
        var ours = new List<OursRound>();
        var theirs = new List<TheirRound>();
        for (var round = 0; round < rounds; round++)
        {
            var share = (int)(((long)loops * (round + 1) / rounds) - ((long)loops * round / rounds));
            if (share == 0)
            {
                continue;
            }

            for (var side = 0; side < 2; side++)
            {
                token.ThrowIfCancellationRequested();
                if ((side == 0) == (round % 2 == 0))
                {
                    ours.Add(_runOurs(share, token));
                }
                else
                {
                    var ct = _runCyclictest(share);
                    theirs.Add(ct);
                    if (!ct.Result.Succeeded)
                    {
                        return new Result(ours, theirs);
                    }
                }
            }
        }

        return new Result(ours, theirs);
    }

    private static OursRound RunOurs(int priority, int intervalUs, int loops, CancellationToken token)
    {
        var kernel = new KernelOptions { IsrPriority = priority, DpcPriority = Math.Max(1, priority - 1), ThreadedDpcPriority = Math.Max(1, priority - 10) };
        using var session = new LatencySession(new LatencySessionOptions { Source = LatencySource.Timer, IntervalNs = intervalUs * 1000L, Loops = loops, Kernel = kernel });
        session.Start(token);
        session.Wait(token);
        session.Stop();
        var snapshot = new KernelSnapshot(session.Kernel, SnapshotDetail.Totals); // the stages are all this side needs
        snapshot.Refresh();
        return new OursRound(
            snapshot[LatencyStage.EdgeToIsr],
            snapshot.EdgeToDpcStart,
            session.TimerOverruns,
            snapshot.Guarantees,
            session.CpuTime);
    }

    /// <summary>One round of our timer source: its expiry→ISR and expiry→DPC start histograms, merged expiries, guarantees and CPU time.</summary>
    internal sealed record OursRound(LatencyHistogram EdgeToIsr, LatencyHistogram EdgeToDpc, long Overruns, KernelGuarantees? Guarantees, CpuTimes? Ticks);

    /// <summary>One round of cyclictest: its result and the CPU time around it.</summary>
    internal sealed record TheirRound(CyclictestResult Result, CpuTimes? Ticks);

    /// <summary>Every round of both sides, and the pooled figures.</summary>
    internal sealed class Result
    {
        public Result(IReadOnlyList<OursRound> ours, IReadOnlyList<TheirRound> theirs)
        {
            Ours = ours;
            Theirs = theirs;
            EdgeToIsr = new LatencyHistogram();
            EdgeToDpc = new LatencyHistogram();
            foreach (var r in ours)
            {
                EdgeToIsr.Add(r.EdgeToIsr);
                EdgeToDpc.Add(r.EdgeToDpc);
            }

            Cyclictest = theirs.FirstOrDefault(t => !t.Result.Succeeded)?.Result ?? (theirs.Count == 0
                ? new CyclictestResult { Available = false, Error = "cyclictest did not run" }
                : theirs[0].Result with { Threads = theirs.SelectMany(t => t.Result.Threads).ToArray() });
        }

        public IReadOnlyList<OursRound> Ours { get; }

        public IReadOnlyList<TheirRound> Theirs { get; }

        /// <summary>Our rounds' expiry→ISR, pooled.</summary>
        public LatencyHistogram EdgeToIsr { get; }

        /// <summary>Our rounds' expiry→DPC start, pooled.</summary>
        public LatencyHistogram EdgeToDpc { get; }

        /// <summary>cyclictest's rounds pooled as one result (every round's thread), or the failed round.</summary>
        public CyclictestResult Cyclictest { get; }

        public long Overruns => Ours.Sum(r => r.Overruns);

        public KernelGuarantees? Guarantees => Ours.Count == 0 ? null : Ours[^1].Guarantees;

        public double? OursStealPercent => Steal(Ours.Select(r => r.Ticks));

        public double? CyclictestStealPercent => Steal(Theirs.Select(r => r.Ticks));

        /// <summary>Our expiry→ISR p99 in each round (µs).</summary>
        public IReadOnlyList<double> OursRoundP99Us => Ours.Select(r => r.EdgeToIsr.GetValueAtPercentile(99) / 1000.0).ToArray();

        /// <summary>cyclictest's p99 in each round (µs), null where a round has no histogram figure.</summary>
        public IReadOnlyList<long?> CyclictestRoundP99Us => Theirs.Select(t => t.Result.P99Us).ToArray();

        /// <summary>The steal share over several rounds' CPU time (ticks added, then divided); null when any is unknown.</summary>
        public static double? Steal(IEnumerable<CpuTimes?> rounds) =>
            rounds.Aggregate<CpuTimes?, CpuTimes?>(new CpuTimes(0, 0), (sum, t) => sum + t)?.StealPercent is { } p ? Math.Round(p, 2) : null;

        public string FormatRounds() => string.Join(
            " ",
            OursRoundP99Us.Select((p, i) => string.Create(CultureInfo.InvariantCulture, $"{p:0}/{(i < CyclictestRoundP99Us.Count && CyclictestRoundP99Us[i] is { } c ? c.ToString(CultureInfo.InvariantCulture) : "n/a")}")));
    }
}
