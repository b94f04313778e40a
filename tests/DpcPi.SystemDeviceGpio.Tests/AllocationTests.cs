using System.Device.Gpio;

namespace DpcPi.SystemDeviceGpio.Tests;

/// <summary>
/// Bytes the DPC worker allocates per delivered edge, measured on that thread inside the callback
/// (GC.GetAllocatedBytesForCurrentThread), round by round until the JIT has settled.
/// </summary>
public sealed class AllocationTests
{
    private const int EdgesPerRound = 256;
    private const int MaxRounds = 40;

    [Fact]
    public void Delivery_ReusedEventArgs_AllocatesNothingPerEdge()
    {
        var perEdge = MeasureSteadyBytesPerEdge(reuseArgs: true, out var rounds);

        Assert.True(perEdge == 0, $"Allocated {perEdge} bytes per edge in the steady state; rounds: {rounds}.");
    }

    [Fact]
    public void Delivery_DefaultEventArgs_AllocatesOnlyTheArgsObjectPerEdge()
    {
        var perEdge = MeasureSteadyBytesPerEdge(reuseArgs: false, out var rounds);

        // One DpcPiPinValueChangedEventArgs (header, two base fields, three of its own): under 100 bytes, never 0.
        Assert.True(perEdge is > 0 and <= 96, $"Allocated {perEdge} bytes per edge; rounds: {rounds}.");
    }

    /// <summary>The smallest per-edge allocation over rounds, once three rounds in a row agree on it.</summary>
    private static long MeasureSteadyBytesPerEdge(bool reuseArgs, out string rounds)
    {
        using var rig = new FakeRig(FakeRig.Options(reuseArgs: reuseArgs));
        var samples = new long[(MaxRounds * EdgesPerRound) + 1];
        var threads = new int[samples.Length];
        var delivered = 0;
        rig.Controller.OpenPin(40, PinMode.Input);
        rig.Controller.RegisterCallbackForPinValueChangedEvent(40, PinEventTypes.Rising | PinEventTypes.Falling, (_, args) =>
        {
            // Nothing here allocates: a preallocated array and an interlocked counter.
            var i = Volatile.Read(ref delivered);
            samples[i] = GC.GetAllocatedBytesForCurrentThread();
            threads[i] = Environment.CurrentManagedThreadId;
            Volatile.Write(ref delivered, i + 1);
        });

        var perRound = new List<long>();
        var steady = 0;
        for (var round = 0; round < MaxRounds && steady < 3; round++)
        {
            var start = round * EdgesPerRound;
            for (var k = 1; k <= EdgesPerRound; k++)
            {
                var n = start + k;
                rig.Edge(40, n % 2 == 1 ? PinEventTypes.Rising : PinEventTypes.Falling, n);
            }

            FakeRig.WaitUntil(() => Volatile.Read(ref delivered) == start + EdgesPerRound, $"round {round} is delivered");
            if (round == 0 || threads[start - 1] != threads[start + EdgesPerRound - 1])
            {
                perRound.Add(-1); // the first round, or the DPC moved threads: not comparable
                steady = 0;
                continue;
            }

            // From the last callback of the previous round to the last of this one: EdgesPerRound deliveries.
            var bytes = samples[start + EdgesPerRound - 1] - samples[start - 1];
            steady = perRound.Count > 0 && perRound[^1] == bytes ? steady + 1 : 1;
            perRound.Add(bytes);
        }

        rounds = string.Join(", ", perRound);
        Assert.True(steady >= 3, $"No steady state in {MaxRounds} rounds of {EdgesPerRound} edges: {rounds}.");
        return perRound[^1] / EdgesPerRound;
    }
}
