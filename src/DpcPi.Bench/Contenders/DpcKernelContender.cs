using DpcPi.Kernel;
using DpcPi.Kernel.Measurement;

namespace DpcPi.Bench.Contenders;

/// <summary>
/// The DPC kernel: a real threaded <see cref="DpcKernel"/> with one DPC queue on the consumer CPU. The
/// producer thread plays the ISR and calls <see cref="DpcKernel.InsertQueueDpc"/> with its timestamp as
/// the first system argument; the DPC routine is the handler. Paced events (one in flight) all go through one
/// DPC, as an ISR queues its device's DpcForIsr: the routine runs after the DPC is dequeued, so each event finds
/// it free again. The burst throughput phase cycles through a ring of distinct DPCs (one per in-flight slot), so
/// no insert coalesces there either and every event runs its own DPC.
/// The kernel's own ISR thread, which here only takes the clock tick, runs on the producer's CPU: the producer
/// plays the ISR, and a tick on the consumer's core would pre-empt the worker it measures every millisecond.
/// </summary>
/// <remarks>With <c>flightRecorder</c> (the dpc-recorder contender) the kernel keeps its flight recorder (1024 events per
/// track) with a threshold no run reaches, so it records every DPC and never freezes: the recorder's steady cost.</remarks>
internal sealed class DpcKernelContender(DpcWaitStrategy strategy, bool realtime, TimeSpan? spinDuration, int producerCpu, bool flightRecorder = false)
    : Contender(flightRecorder ? RecorderName : BenchResult.StrategyName(strategy))
{
    /// <summary>The contender that is dpc-spin-then-block with the flight recorder on.</summary>
    public const string RecorderName = "dpc-recorder";

    private DpcKernel? _kernel;
    private Dpc? _dpcForIsr;
    private Dpc[] _ring = [];
    private bool _burst;
    private long _sequence;
    private long _rejected;
    private long _acceptedAtReset;
    private readonly LatencyHistogram _queueWait = new();
    private int _cpu;

    public DpcKernel? Kernel => _kernel;

    public long Rejected => _rejected;

    /// <summary>The DPC every paced event is queued through.</summary>
    internal Dpc? DpcForIsr => _dpcForIsr;

    /// <summary>The DPCs the burst cycles through.</summary>
    internal IReadOnlyList<Dpc> BurstRing => _ring;

    public override void Start(BenchSink sink, int consumerCpu, int capacity)
    {
        _cpu = consumerCpu;
        var options = new KernelOptions
        {
            Processors = [consumerCpu],
            IsrProcessor = producerCpu,
            Realtime = realtime,
            Pin = true,
            WaitStrategy = strategy,
            MinimumDpcRate = 0,
            TimelineSeconds = 3_600,
            FlightRecorderEvents = flightRecorder ? 1024 : 0,
            FlightRecorderThresholdNs = long.MaxValue / 2,
        };
        if (spinDuration is { } spin)
        {
            options.SpinDuration = spin;
        }

        _kernel = new DpcKernel(options);
        _dpcForIsr = NewDpc(_kernel, sink, consumerCpu);
        _ring = new Dpc[capacity];
        for (var i = 0; i < capacity; i++)
        {
            _ring[i] = NewDpc(_kernel, sink, consumerCpu);
        }

        _kernel.Start();
        Notes.Add($"paced events: one DPC (an ISR's DpcForIsr); burst: a ring of {capacity} DPCs, one per event in flight");
        Notes.Add($"kernel guarantees: {_kernel.Figures.Guarantees}; its ISR thread (the clock tick) on CPU {_kernel.Figures.IsrProcessor}, the producer's");
    }

    public override LatencyHistogram? QueueWait => _queueWait;

    public override void LatencyPhase(bool starting)
    {
        var stage = _kernel!.Figures.GetRecorder(_cpu)[LatencyStage.QueueWait];

        // The handler counts an event before the worker records its stages, so wait (bounded) until the stage has
        // every accepted insert since the last reset; a reset must not race the last warm-up record.
        var accepted = _sequence - _rejected;
        var deadline = Environment.TickCount64 + 1_000;
        var spin = new SpinWait();
        while (stage.TotalCount < accepted - _acceptedAtReset && Environment.TickCount64 < deadline)
        {
            spin.SpinOnce(sleep1Threshold: -1);
        }

        if (starting)
        {
            stage.Reset();
            _acceptedAtReset = accepted;
        }
        else
        {
            _queueWait.Reset();
            _queueWait.Add(stage);
        }
    }

    public override void ThroughputPhase(bool starting) => _burst = starting;

    public override void Publish(long stampNs)
    {
        var dpc = _burst ? _ring[_sequence % _ring.Length] : _dpcForIsr!;
        _sequence++;
        if (!_kernel!.InsertQueueDpc(dpc, (nint)stampNs))
        {
            _rejected++;
        }
    }

    private static Dpc NewDpc(DpcKernel kernel, BenchSink sink, int cpu)
    {
        var dpc = kernel.InitializeDpc(static (_, ctx, a1, _) => ((BenchSink)ctx!).Handle(a1), sink, "bench-handler");
        dpc.SetTargetProcessor(cpu);
        dpc.SetImportance(DpcImportance.MediumHigh);
        return dpc;
    }

    public override void Stop()
    {
        if (_kernel is null)
        {
            return;
        }

        if (_rejected != 0)
        {
            Notes.Add($"{_rejected} inserts coalesced (slot still queued)");
        }

        _kernel.Dispose();
        _kernel = null;
    }
}
