using DpcPi.Gpio;
using DpcPi.Interrupts;
using DpcPi.Kernel;
using DpcPi.Kernel.Measurement;
using DpcPi.Platform;

namespace DpcPi.Interrupts.Tests;

public sealed class GpioInterruptSourceTests
{
    [Fact]
    public void FakeLoopback_OutputToggle_ReachesDpcWithKernelTimestampAndSequence()
    {
        var clock = new ManualClock(1_000_000);
        var fake = new FakeGpioBackend(clock.Read);
        fake.AddChip("gpiochip0", "fake", 32);
        fake.AddWire("gpiochip0", 17, "gpiochip0", 27);
        using var input = fake.RequestLine("gpiochip0", 27, GpioLineSettings.Input(PinEventTypes.Rising | PinEventTypes.Falling));
        using var output = fake.RequestLine("gpiochip0", 17, GpioLineSettings.Output());
        using var controller = new EpollInterruptController();
        var source = new GpioInterruptSource(input);
        var kernelClock = new VirtualClock(1_000_000);
        using var kernel = new DpcKernel(new KernelOptions { Processors = [0], StartThreads = false, Realtime = false, Pin = false, Clock = kernelClock });
        var seen = new List<(nint Seq, int Line, int Code)>();
        var device = kernel.CreateDevice("loopback", (_, _, seq, code) => seen.Add((seq, 27, (int)code)));
        kernel.ConnectInterrupt(2, (_, ctx, ref f) =>
        {
            kernelClock.Advance(500); // the ISR takes 0.5 µs
            return ((DeviceObject)ctx!).RequestDpc((nint)f.Sequence, f.Code);
        }, device, source);
        controller.Register(input.ReadinessHandle, 2);

        for (var i = 0; i < 4; i++)
        {
            output.Write(17, i % 2 == 0 ? PinValue.High : PinValue.Low); // edge stamped at clock = 1 ms
            kernelClock.Advance(2_000);                                    // seen by the ISR 2 µs later
            Assert.Equal(1, kernel.PollInterrupts(controller, 1000));
            kernelClock.Advance(3_000);                                    // DPC starts 3 µs after the ISR
            kernel.RunDpcs(0);
            clock.Advance(5_500);
            kernelClock.Set(clock.NowNs);
        }

        Assert.Equal([(1, 27, 1), (2, 27, 2), (3, 27, 1), (4, 27, 2)], seen.Select(s => ((int)s.Seq, s.Line, s.Code)));
        var edgeToIsr = kernel.MergeStage(LatencyStage.EdgeToIsr);
        var edgeToDpc = kernel.MergeStage(LatencyStage.EdgeToDpcStart);
        Assert.Equal(2_000, edgeToIsr.Min);
        Assert.Equal(2_000, edgeToIsr.Max);
        Assert.Equal(5_500, edgeToDpc.Min);
        Assert.Equal(5_500, edgeToDpc.Max);
        Assert.Equal(new GpioLineStatistics(4, 0, 0), input.TotalStatistics);
    }

    [Fact]
    public void Service_RequestDisposed_RecordsFailureInsteadOfThrowing()
    {
        var fake = new FakeGpioBackend();
        fake.AddChip("gpiochip0", "fake", 8);
        var input = fake.RequestLine("gpiochip0", 1, GpioLineSettings.Input(PinEventTypes.Rising));
        var source = new GpioInterruptSource(input);
        using var kernel = new DpcKernel(new KernelOptions { Processors = [0], StartThreads = false, Realtime = false, Pin = false });
        var interrupt = kernel.ConnectInterrupt(3, (_, _, ref _) => true, source: source);
        input.Dispose();

        source.Service(interrupt);

        Assert.IsType<ObjectDisposedException>(source.Failure);
    }

    [Fact]
    public void Service_RequestFailsWhileReady_LeavesTheEpollSet()
    {
        using var controller = new EpollInterruptController();
        using var request = new RemovedChipRequest();
        var source = new GpioInterruptSource(request);
        using var kernel = new DpcKernel(new KernelOptions { Processors = [0], StartThreads = false, Realtime = false, Pin = false });
        var interrupt = kernel.ConnectInterrupt(3, (_, _, ref _) => true, source: source);
        source.Register(controller, 3);
        var pending = new int[4];
        Assert.Equal(1, controller.WaitForInterrupts(pending, 0));

        source.Service(interrupt);

        Assert.IsType<IOException>(source.Failure);
        Assert.Equal(0, controller.WaitForInterrupts(pending, 0)); // the ISR thread is no longer woken by it
    }

    /// <summary>A request whose chip went away: its descriptor stays readable and every read fails, as ENODEV does.</summary>
    private sealed class RemovedChipRequest : GpioLineRequest
    {
        private readonly EventFd _ready = new();

        public RemovedChipRequest()
            : base(new GpioChipInfo("gpiochip9", "/dev/gpiochip9", "removed", 1), new GpioLineRequestOptions("removed").Add(0, GpioLineSettings.Input(PinEventTypes.Rising)))
        {
            _ready.Signal();
        }

        public override System.Runtime.InteropServices.SafeHandle ReadinessHandle => _ready.Handle;

        protected override int ReadEdgeEventsCore(Span<GpioEdgeEvent> buffer) => throw new IOException("read: the chip was removed (ENODEV)");

        protected override ulong GetValuesCore(ulong mask) => throw new IOException("the chip was removed");

        protected override void SetValuesCore(ulong bits, ulong mask) => throw new IOException("the chip was removed");

        protected override void ReconfigureCore(IReadOnlyList<GpioRequestedLine> lines) => throw new IOException("the chip was removed");

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _ready.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
