using DpcPi.Vm.Uapi;

namespace DpcPi.Vm.Tests;

/// <summary>Event loss against the real kernel: a full event buffer shows up as line_seqno gaps, and a burst is fully accounted for.</summary>
[Trait("Category", "Kernel")]
public sealed class LossTests(ITestOutputHelper output)
{
    [Fact]
    public void FullKernelBufferDropsOldestAndSeqnoGapsCountTheLoss()
    {
        VmEnvironment.Require();
        const int line = 1;
        const int bufferSize = 8;   // a power of two: the kernel's kfifo rounds up
        const int generated = 200;  // even: the line ends low
        using var pull = new SimPull(VmEnvironment.PullFile(line));
        pull.Set(false);
        Thread.Sleep(20);
        using var req = VmLineRequest.RequestBothEdges(VmEnvironment.Chip!, line, "dpcpi-vm-overflow", bufferSize);

        // Generate many edges without reading: the kernel keeps the newest `bufferSize` events.
        for (var i = 0; i < generated; i++)
        {
            pull.Set(i % 2 == 0);
            Thread.Sleep(1); // paced, so the irq thread sees (nearly) every edge
        }

        Thread.Sleep(100);
        var events = VmEnvironment.Drain(req, 300);
        var account = EdgeAccount.From(events, generated);
        output.WriteLine(account.ToString());
        output.WriteLine("delivered line_seqno: " + string.Join(",", events.Select(e => e.LineSeqno)));

        Assert.Equal(bufferSize, account.Delivered);
        Assert.True(account.Merged >= 0, "the kernel produced more events than edges were driven: " + account);
        Assert.True(events[0].LineSeqno > 1, "the oldest events must have been dropped");
        Assert.True(account.Lost > 0, "a full buffer must show as a line_seqno gap");
        Assert.Equal(account.LastSeqno, (uint)(account.Delivered + account.Lost));
        Assert.False(account.LastIsRising, "the last event must match the final (low) level");
        Assert.Equal(generated, account.Delivered + account.Lost + account.Merged);

        // Consecutive seqnos after the drop: the loss is one gap at the front, not scattered.
        for (var i = 1; i < events.Count; i++)
        {
            Assert.Equal(events[i - 1].LineSeqno + 1, events[i].LineSeqno);
        }
    }

    [Fact]
    public void BurstOfTogglesIsDeliveredPlusLostPlusMerged()
    {
        VmEnvironment.Require();
        const int line = 2;
        const int generated = 400;
        using var pull = new SimPull(VmEnvironment.PullFile(line));
        pull.Set(false);
        Thread.Sleep(20);
        using var req = VmLineRequest.RequestBothEdges(VmEnvironment.Chip!, line, "dpcpi-vm-burst", 1024);

        var events = new List<LineEvent>();
        var driving = true;
        var reader = new Thread(() =>
        {
            var buf = new LineEvent[64];
            while (true)
            {
                var n = req.ReadEvents(buf, 300);
                if (n > 0)
                {
                    events.AddRange(buf.AsSpan(0, n).ToArray());
                }
                else if (!Volatile.Read(ref driving))
                {
                    return;
                }
            }
        })
        { IsBackground = true, Name = "vm-burst-reader" };
        reader.Start();

        // A genuine burst: back-to-back toggles, no pacing.
        for (var i = 0; i < generated; i++)
        {
            pull.Set(i % 2 == 0);
        }

        Thread.Sleep(200);
        Volatile.Write(ref driving, false);
        Assert.True(reader.Join(TimeSpan.FromSeconds(30)), "reader thread did not finish");

        var account = EdgeAccount.From(events, generated);
        output.WriteLine(account.ToString());

        Assert.NotEmpty(events);
        Assert.Equal(0, account.Lost); // 1024-event buffer and a live reader: nothing dropped
        Assert.Equal(account.LastSeqno, (uint)account.Delivered); // nothing vanished between kernel and reader
        Assert.True(account.Merged >= 0, "the kernel produced more events than edges were driven: " + account);
        Assert.Equal(generated, account.Delivered + account.Lost + account.Merged);
    }
}
