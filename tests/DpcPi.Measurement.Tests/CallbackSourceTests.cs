using System.Runtime.InteropServices;
using DpcPi.Interrupts;
using DpcPi.Kernel;
using DpcPi.Measurement;

namespace DpcPi.Measurement.Tests;

/// <summary>The sdg source: interrupts from a source the front-end built (a System.Device.Gpio driver's callbacks in the CLI).</summary>
public sealed class CallbackSourceTests(ExternalStimulusTests.CompiledHelper helper) : IClassFixture<ExternalStimulusTests.CompiledHelper>
{
    [Fact]
    public void Session_SdgSource_RunsTheCallersSourceThroughIsrAndDpcAndReportsItsCaveatAndLoss()
    {
        var pull = Path.GetTempFileName();
        var built = new List<TickingSource>();
        try
        {
            var options = new LatencySessionOptions
            {
                Source = LatencySource.Sdg,
                IntervalNs = 1_000_000,
                Loops = 100,
                DriveSysfs = pull, // the stimulus writes a plain file here; the ticking source makes the interrupts
                StimulusPath = helper.Path,
                CallbackSourceName = "TickingDriver",
                CallbackSource = () =>
                {
                    var s = new TickingSource();
                    built.Add(s);
                    return s;
                },
                Warmup = TimeSpan.FromMilliseconds(50),
                WarmupRuns = 10,
                Kernel = new KernelOptions { Realtime = false, Pin = false, WaitStrategy = DpcWaitStrategy.Blocking },
            };
            options.Validate();
            using (var session = new LatencySession(options))
            {
                session.Start();
                Assert.True(session.Wait(TestContext.Current.CancellationToken));
                session.Stop();

                // -l counts interrupts; each became a DPC run or joined one already queued (the test timer bunches)
                Assert.True(session.Interrupts >= 100, $"{session.Interrupts} interrupts");
                Assert.Equal(session.Interrupts, session.Completed + session.Kernel.GetProcessorStatistics().Sum(p => p.CoalescedInserts));
                Assert.Equal(TickingSource.Text, session.SourceCaveat);
                var run = session.Result();
                Assert.Equal(TickingSource.Text, run.RunInfo()["source_caveat"]);
                Assert.Equal(3, run.LostEdges); // the source's own count, reported as lost
                Assert.Equal("sdg", run.Source);
            }

            Assert.Equal(2, built.Count); // one for the warm-up, one for the measured run
            Assert.All(built, s => Assert.True(s.Disposed));
        }
        finally
        {
            File.Delete(pull);
        }
    }

    [Fact]
    public void Validate_SdgWithoutCallbackSource_NamesTheSetting()
    {
        var options = new LatencySessionOptions { Source = LatencySource.Sdg };

        var ex = Assert.Throws<LatencyOptionsException>(options.Validate);

        Assert.Equal(LatencySetting.CallbackSource, ex.Setting);
    }

    [Fact]
    public void Validate_DriveSysfsWithSdg_IsAllowed()
    {
        var options = new LatencySessionOptions { Source = LatencySource.Sdg, DriveSysfs = "/tmp/pull", CallbackSource = () => new TickingSource() };

        options.Validate();
    }

    /// <summary>
    /// A source that raises its own interrupt about every millisecond on a thread of its own, and has "lost" 3.
    /// A dedicated thread, not a thread-pool timer: on a busy 2-core CI host, other test classes' blocking waits can
    /// starve the pool for over a second, which ended a run at 26 interrupts once (the rig's "quiet for 1 s" end).
    /// </summary>
    private sealed class TickingSource : IPollableInterruptSource
    {
        public const string Text = "ticks from a test thread";
        private readonly SoftwareInterruptSource _inner = new();
        private readonly ManualResetEventSlim _stop = new(false);
        private readonly Thread _ticker;

        public TickingSource()
        {
            _ticker = new Thread(() =>
            {
                while (!_stop.Wait(1))
                {
                    _inner.Raise();
                }
            })
            { IsBackground = true, Name = "test ticker" };
            _ticker.Start();
        }

        public bool Disposed { get; private set; }

        public SafeHandle Handle => _inner.Handle;

        public long Lost => 3;

        public string? Caveat => Text;

        public void Service(Interrupt interrupt) => _inner.Service(interrupt);

        public void Dispose()
        {
            _stop.Set();
            _ticker.Join();
            _stop.Dispose();
            _inner.Dispose();
            Disposed = true;
        }
    }
}
