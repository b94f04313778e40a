using System.Diagnostics;
using DpcPi.Gpio;
using DpcPi.Interrupts;
using DpcPi.Kernel;
using DpcPi.Platform;

namespace DpcPi.Reliability.Tests;

/// <summary>
/// A million edges through the real ISR thread (epoll + GpioInterruptSource) into DpcForIsr routines on
/// real workers: every edge generated is accounted for exactly, per line, as one of DPC run, coalesced
/// insert, lost in the kernel buffer (seqno gap) or merged (two equal edges in a row).
/// </summary>
public sealed class FloodTests(ITestOutputHelper output)
{
    private const string Chip = "gpiochip0";
    private const int TotalEdges = 1_000_000;
    private const int BufferSize = 64;

    [Fact]
    public void Flood_MillionEdgesOnTwoLines_RunsPlusCoalescedPlusLostPlusMergedEqualsGeneratedPerLine()
    {
        int[] offsets = [5, 6];
        var n = offsets.Length;
        var backend = new FakeGpioBackend();
        backend.AddChip(Chip, "flood", 8);
        using var controller = new EpollInterruptController();
        var cpus = ThreadControl.GetAllowedCpus();
        using var kernel = new DpcKernel(new KernelOptions { Realtime = false });
        var requests = new GpioLineRequest[n];
        var sources = new GpioInterruptSource[n];
        var devices = new DeviceObject[n];
        var interrupts = new Interrupt[n];
        var runs = new long[n];
        var stall = 0;
        var stalled = 0;
        for (var i = 0; i < n; i++)
        {
            var line = i;
            requests[i] = backend.RequestLines(Chip, new GpioLineRequestOptions($"flood{i}") { EventBufferSize = BufferSize }.Add(offsets[i], GpioLineSettings.Input(PinEventTypes.Rising | PinEventTypes.Falling)));
            sources[i] = new GpioInterruptSource(requests[i]);
            sources[i].Register(controller, 10 + i);
            devices[i] = kernel.CreateDevice($"line{offsets[i]}", (_, _, _, _) => Interlocked.Increment(ref runs[line]));
            devices[i].DpcForIsr.SetTargetProcessor(cpus[i % cpus.Length]);
            interrupts[i] = kernel.ConnectInterrupt(10 + i, (_, ctx, ref _) =>
            {
                if (line == 0 && Volatile.Read(ref stall) == 1)
                {
                    // A stalled ISR thread: nobody reads the kernel buffers, so they overflow (drop-oldest).
                    Volatile.Write(ref stalled, 1);
                    while (Volatile.Read(ref stall) == 1)
                    {
                        Thread.SpinWait(20);
                    }
                }

                _ = ((DeviceObject)ctx!).RequestDpc(); // false = coalesced into the queued DpcForIsr, counted on the DPC
                return true;
            }, devices[i], sources[i], name: $"line {offsets[i]}");
        }

        kernel.Start(controller);
        var physical = new long[n];
        var events = new long[n];
        var merges = new long[n];
        var last = new PinEventTypes[n];
        Array.Fill(last, PinEventTypes.Falling);
        var perLine = TotalEdges / n;
        var rng = new Random(11);

        void Edge(int i)
        {
            var e = last[i] == PinEventTypes.Rising ? PinEventTypes.Falling : PinEventTypes.Rising;
            backend.InjectEdge(Chip, offsets[i], e, MonotonicClock.NowNs);
            last[i] = e;
            physical[i]++;
            events[i]++;
        }

        void MergedPulse(int i)
        {
            // An edge, the opposite edge too short for the kernel to see (no event), then the same edge again.
            Edge(i);
            physical[i]++;
            merges[i]++;
            backend.InjectEdge(Chip, offsets[i], last[i], MonotonicClock.NowNs);
            physical[i]++;
            events[i]++;
        }

        void Burst(int size)
        {
            for (var k = 0; k < size; k++)
            {
                for (var i = 0; i < n; i++)
                {
                    if (physical[i] < perLine)
                    {
                        Edge(i);
                    }
                }
            }
        }

        bool Drained()
        {
            for (var i = 0; i < n; i++)
            {
                var s = requests[i].GetStatistics(offsets[i]);
                if (s.Delivered + s.Lost != events[i])
                {
                    return false;
                }
            }

            return true;
        }

        var stallRounds = 0;
        var holdRounds = 0;
        var sw = Stopwatch.StartNew();
        for (var round = 1; physical.Any(p => p < perLine); round++)
        {
            if (round % 40 == 0 && physical[0] < perLine - 300)
            {
                // Forced loss: stall the ISR thread inside line 0's ISR, then push more than the buffer holds.
                // Clear "stalled" before arming the stall: the ISR thread may still be dispatching the previous
                // round's last batch, and an entry between the two writes must not be wiped out.
                Volatile.Write(ref stalled, 0);
                Volatile.Write(ref stall, 1);
                Edge(0);
                if (!Dpcpi.SpinUntil(() => Volatile.Read(ref stalled) == 1, TimeSpan.FromSeconds(10)))
                {
                    var s0 = requests[0].GetStatistics(offsets[0]);
                    Assert.Fail($"round {round}: the ISR never entered the stall (line {offsets[0]}: events {events[0]}, delivered {s0.Delivered}, lost {s0.Lost}, " +
                        $"dispatched {sources[0].Dispatched}, ISR calls {interrupts[0].Count}; ISR thread on CPU {kernel.IsrProcessor}; {kernel.Guarantees})");
                }
                Burst(BufferSize * 3);
                Volatile.Write(ref stall, 0);
                stallRounds++;
            }
            else if (round % 40 == 20)
            {
                // Forced coalescing: hold every core at DISPATCH so each DpcForIsr stays queued while its ISR runs again.
                var holds = cpus.Select(kernel.HoldAtDispatch).ToArray();
                Burst(BufferSize / 2);
                Assert.True(Dpcpi.SpinUntil(Drained, TimeSpan.FromSeconds(10)), "the ISR did not read the held round");
                foreach (var h in holds)
                {
                    h.Dispose();
                }

                holdRounds++;
            }
            else
            {
                Burst(rng.Next(1, 400));
            }

            // Merged pulses at the end of a round: the newest events, never the ones a full buffer drops.
            for (var i = 0; i < n; i++)
            {
                if (round % 3 == 0 && physical[i] <= perLine - 3)
                {
                    MergedPulse(i);
                }
            }

            Assert.True(Dpcpi.SpinUntil(Drained, TimeSpan.FromSeconds(20)), $"round {round}: the ISR thread did not read every edge");
        }

        sw.Stop();
        kernel.FlushQueuedDpcs();
        var rate = TotalEdges / sw.Elapsed.TotalSeconds;
        output.WriteLine($"flood: {TotalEdges:N0} edges on {n} lines in {sw.Elapsed.TotalSeconds:F2} s = {rate:N0} edges/s ({stallRounds} stalled rounds, {holdRounds} held rounds)");
        Console.WriteLine($"[flood] {TotalEdges:N0} edges in {sw.Elapsed.TotalSeconds:F2} s = {rate:N0} edges/s");

        for (var i = 0; i < n; i++)
        {
            var gpio = requests[i].GetStatistics(offsets[i]);
            var dpc = devices[i].DpcForIsr.GetStatistics();
            output.WriteLine($"line {offsets[i]}: generated {physical[i]}, events {events[i]}, delivered {gpio.Delivered}, lost {gpio.Lost}, merged {gpio.Merged}, ISR {interrupts[i].Count}, DPC runs {dpc.RunCount}, coalesced {dpc.CoalescedInserts}");
            Assert.Equal(perLine, physical[i]);
            Assert.Equal(physical[i], dpc.RunCount + dpc.CoalescedInserts + gpio.Lost + gpio.Merged);
            Assert.Equal(gpio.Delivered, interrupts[i].Count);
            Assert.Equal(gpio.Delivered, sources[i].Dispatched);
            Assert.Equal(interrupts[i].Count, dpc.RunCount + dpc.CoalescedInserts);
            Assert.Equal(Volatile.Read(ref runs[i]), dpc.RunCount);
            Assert.Equal(merges[i], gpio.Merged);
            Assert.Equal(events[i], gpio.Delivered + gpio.Lost);
            Assert.Equal(requests[i].TotalStatistics, gpio); // one line per request: request-wide and per-line agree
            Assert.True(gpio.Lost >= stallRounds * BufferSize, $"line {offsets[i]}: the stalled rounds must lose edges");
            Assert.True(dpc.CoalescedInserts >= holdRounds * ((BufferSize / 2) - 1), $"line {offsets[i]}: the held rounds must coalesce inserts");
            Assert.Equal(0, interrupts[i].Unhandled);
        }

        kernel.Stop();
        foreach (var r in requests)
        {
            r.Dispose();
        }
    }
}
