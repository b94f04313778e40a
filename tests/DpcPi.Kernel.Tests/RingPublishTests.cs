using DpcPi.Kernel;

namespace DpcPi.Kernel.Tests;

/// <summary>
/// Two inserts into one lane at once: the worker stops at the first unpublished slot, so an insert that was
/// claimed first but published last must not leave a later one waiting for the clock tick.
/// </summary>
public sealed class RingPublishTests
{
    [Fact]
    public void Publish_LaterSlotClaimedMeanwhile_WakesTheWorkerForTheDpcBehindIt()
    {
        using var kernel = KernelFactory.Manual(cpus: [0]);
        var runs = new List<string>();
        var low = Dpc(kernel, "low", DpcImportance.Low, runs);
        var urgent = Dpc(kernel, "medium-high", DpcImportance.MediumHigh, runs);
        var lane = kernel.GetProcessor(0).Normal;

        // An insert of the Low DPC has claimed its slot and is pre-empted before it publishes it.
        Assert.True(lane.TryClaim(out var ticket));
        // A MediumHigh insert publishes the next slot and wakes the worker, which stops at the unpublished one.
        Assert.True(kernel.InsertQueueDpc(urgent));
        Assert.True(lane.IsRequested);
        kernel.RunDpcs(0);
        Assert.Empty(runs);
        Assert.False(lane.IsRequested);

        // The Low insert resumes. Its own DPC asks for no drain, but the MediumHigh one behind it is waiting.
        var record = new InsertRecord { EventTimestampNs = kernel.Clock.NowNs, QueuedNs = kernel.Clock.NowNs };
        low.Queue.QueuedImportance = DpcImportance.Low;
        Volatile.Write(ref low.Queue.QueuedOn, kernel.GetProcessor(0));
        lane.Publish(ticket, low, high: false, ref record, countIsCycle: true);

        Assert.True(lane.IsRequested);
        kernel.RunDpcs(0);
        Assert.Equal(["low", "medium-high"], runs);
    }

    [Fact]
    public void InsertQueueDpc_LowDpcWithNoLaterClaim_LeavesTheWorkerAsleep()
    {
        using var kernel = KernelFactory.Manual(cpus: [0]);
        var runs = new List<string>();
        var low = Dpc(kernel, "low", DpcImportance.Low, runs);
        var lane = kernel.GetProcessor(0).Normal;

        Assert.True(kernel.InsertQueueDpc(low));

        Assert.False(lane.IsRequested); // a Low DPC waits for the tick or the queue depth, as in Windows
        Assert.Equal(1, lane.Depth);
    }

    private static Dpc Dpc(DpcKernel kernel, string name, DpcImportance importance, List<string> runs)
    {
        var dpc = kernel.InitializeDpc((d, _, _, _) => runs.Add(d.Name), name: name);
        dpc.SetTargetProcessor(0);
        dpc.SetImportance(importance);
        return dpc;
    }
}
