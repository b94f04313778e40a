namespace DpcPi.TestSupport;

/// <summary>
/// Bytes a hot path allocates on this thread, round by round, until it reaches a steady state: three consecutive
/// rounds with zero bytes. Until then the JIT may allocate on the thread while it tiers the code up (on-stack
/// replacement, installing code), more often on a busy machine. A real per-call allocation makes every round
/// allocate, so a steady state cannot be reached by luck. Shared (DpcPi.TestSupport) by the suites that prove
/// a path allocation-free.
/// </summary>
public sealed class AllocationRounds
{
    private const int ZeroRoundsNeeded = 3;
    private readonly List<long> _bytes = [];

    private AllocationRounds()
    {
    }

    /// <summary>The rounds run (each one call of the round action).</summary>
    public int Count => _bytes.Count;

    /// <summary>Whether the last three rounds allocated nothing.</summary>
    public bool Steady => _bytes.Count >= ZeroRoundsNeeded && _bytes[^ZeroRoundsNeeded..].All(b => b == 0);

    /// <summary>Runs <paramref name="round"/> until three consecutive rounds allocate nothing, or <paramref name="maxRounds"/> have run.</summary>
    public static AllocationRounds Measure(Action round, int maxRounds = 20)
    {
        var rounds = new AllocationRounds();
        var zeroRun = 0;
        while (zeroRun < ZeroRoundsNeeded && rounds._bytes.Count < maxRounds)
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            round();
            var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            rounds._bytes.Add(allocated);
            zeroRun = allocated == 0 ? zeroRun + 1 : 0;
        }

        return rounds;
    }

    /// <summary>The bytes of each round, for the failure message.</summary>
    public override string ToString() => string.Join(", ", _bytes);
}
