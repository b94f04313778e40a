using System.Runtime.InteropServices;
using DpcPi.Interrupts;
using DpcPi.Kernel;

namespace DpcPi.Measurement.Tests;

/// <summary>
/// The latency rig's own hot path allocates nothing: its ISR hands each edge time to the DPC through a ring, its
/// DPC drains the ring into the serving-DPC histogram, and the kernel between them runs the DPC inline on the ISR
/// thread (the CLI's default). Measured on the ISR thread itself, from inside the source's Service, which that
/// thread calls once per wake-up: between two marks it ran every ISR, DPC and clock tick of 4,000 interrupts.
/// </summary>
public sealed class RigAllocationTests(ExternalStimulusTests.CompiledHelper helper) : IClassFixture<ExternalStimulusTests.CompiledHelper>
{
    private const int Warmup = 2_000;
    private const int Measured = 4_000;

    [Fact]
    public void Session_InlineDpcsOnIsrThread_AllocateNothingPerInterrupt()
    {
        var pull = Path.GetTempFileName();
        var built = new List<PingPongSource>();
        try
        {
            var options = new LatencySessionOptions
            {
                Source = LatencySource.Sdg,
                IntervalNs = 1_000_000,
                Loops = Warmup + Measured + 10,
                DriveSysfs = pull, // the stimulus writes a plain file; the ping-pong source makes the interrupts
                StimulusPath = helper.Path,
                CallbackSourceName = "PingPong",
                CallbackSource = () =>
                {
                    var s = new PingPongSource();
                    built.Add(s);
                    return s;
                },
                Warmup = TimeSpan.FromMilliseconds(20),
                WarmupRuns = 5,
                // The watchdog's limits out of reach: a DPC pre-empted past 100 µs on a busy host (these threads are not
                // real-time here) files a watchdog event, a rare diagnostic that allocates its text (Q11: 1832 bytes).
                // What this test holds at zero is the path every interrupt takes.
                Kernel = new KernelOptions
                {
                    Realtime = false,
                    Pin = false,
                    WaitStrategy = DpcWaitStrategy.Blocking,
                    RunLocalDpcsOnIsrThread = true,
                    WatchdogDpcLimitNs = long.MaxValue / 4,
                    WatchdogCumulativeLimitNs = long.MaxValue / 4,
                },
            };
            options.Validate();
            using (var session = new LatencySession(options))
            {
                session.Start();
                Assert.True(session.Wait(TestContext.Current.CancellationToken));
                session.Stop();

                var measured = built[^1];
                Assert.True(measured.Marked, $"the ISR thread serviced {measured.Serviced} wake-ups, short of the second mark");
                Assert.Equal(0, measured.IsrThreadBytes);
                Assert.True(session.EdgeToServingDpc.TotalCount >= Warmup + Measured, $"{session.EdgeToServingDpc.TotalCount} interrupts reached the serving-DPC stage");
            }
        }
        finally
        {
            File.Delete(pull);
        }
    }

    /// <summary>
    /// Raises the next interrupt as soon as the ISR thread has taken the last one (so one interrupt per wake-up, no
    /// coalescing, thousands a second without a timer), and marks the ISR thread's allocated bytes at two wake-ups.
    /// </summary>
    private sealed class PingPongSource : IPollableInterruptSource
    {
        private readonly SoftwareInterruptSource _inner = new();
        private readonly SemaphoreSlim _taken = new(0);
        private readonly CancellationTokenSource _stop = new();
        private readonly Thread _pinger;
        private long _start;
        private long _end;
        private int _serviced;

        public PingPongSource()
        {
            _pinger = new Thread(() =>
            {
                try
                {
                    while (true)
                    {
                        _inner.Raise();
                        _taken.Wait(_stop.Token);
                    }
                }
                catch (OperationCanceledException)
                {
                }
            })
            { IsBackground = true, Name = "test pinger" };
            _pinger.Start();
        }

        public int Serviced => Volatile.Read(ref _serviced);

        public bool Marked => Volatile.Read(ref _end) != 0;

        public long IsrThreadBytes => Volatile.Read(ref _end) - Volatile.Read(ref _start);

        public SafeHandle Handle => _inner.Handle;

        public long Lost => 0;

        public string? Caveat => null;

        public void Service(Interrupt interrupt)
        {
            var n = ++_serviced; // ISR thread only
            if (n == Warmup)
            {
                Volatile.Write(ref _start, GC.GetAllocatedBytesForCurrentThread());
            }
            else if (n == Warmup + Measured)
            {
                Volatile.Write(ref _end, GC.GetAllocatedBytesForCurrentThread());
            }

            _inner.Service(interrupt);
            _taken.Release();
        }

        public void Dispose()
        {
            _stop.Cancel();
            _pinger.Join();
            _stop.Dispose();
            _taken.Dispose();
            _inner.Dispose();
        }
    }
}
