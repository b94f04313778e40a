using DpcPi.Platform;

namespace DpcPi.Kernel;

/// <summary>The kernel's threads: the per-core workers and the ISR thread, their start, scheduling and stop.</summary>
public sealed partial class DpcKernel
{
    private readonly List<KernelThreadInfo> _threadInfos = [];

    /// <summary>Starts the workers and, with a controller, the ISR thread. Returns once every thread has applied its scheduling.</summary>
    public void Start(IInterruptController? controller = null)
    {
        if (_started)
        {
            throw new InvalidOperationException("The kernel is already started.");
        }

        _started = true;
        _controller = controller;
        EpochNs = Clock.NowNs;
        _isrRecorder.Rebase(EpochNs);
        foreach (var p in _processors)
        {
            p.Recorder.Rebase(EpochNs);
            p.ThreadedRecorder.Rebase(EpochNs);
        }

        if (Options.LockMemory)
        {
            var e = ThreadControl.LockAllMemory();
            Guarantees.MemoryLocked = e == 0;
            if (e != 0)
            {
                Guarantees.AddNote($"mlockall refused: {ThreadControl.Describe(e)}; pages may fault during measurement (needs CAP_IPC_LOCK or a higher RLIMIT_MEMLOCK)");
            }
        }
        else
        {
            Guarantees.AddNote("memory locking not requested (-m / LockMemory)");
        }

        if (!Options.StartThreads)
        {
            Guarantees.AddNote("manual kernel: no worker threads, no real-time scheduling");
            return;
        }

        // Lowest priority first: a thread that has just made itself SCHED_FIFO on a core where a higher
        // FIFO worker already spins would never get to say it is ready.
        using (var threadedReady = new CountdownEvent(Options.ThreadDpcEnable ? _processors.Length : 0))
        {
            // ThreadDpcEnable = 0: every DPC is an ordinary one, so no threaded-DPC thread is needed.
            foreach (var p in Options.ThreadDpcEnable ? _processors : Array.Empty<DpcProcessor>())
            {
                StartThread($"dpc-thr/{p.Cpu}", () => WorkerLoop(p, threadedReady, threaded: true));
            }

            threadedReady.Wait();
        }

        using var ready = new CountdownEvent(_processors.Length + (controller is null ? 0 : 1));
        foreach (var p in _processors)
        {
            StartThread($"dpc/{p.Cpu}", () => WorkerLoop(p, ready, threaded: false));
        }

        if (controller is not null)
        {
            _isrThread = StartThread("isr", () => IsrLoop(controller, ready));
        }

        ready.Wait();
    }

    /// <summary>
    /// How long <see cref="StopInterrupts"/> and <see cref="Stop"/> wait for the kernel's threads by default. They exit
    /// within microseconds of the wake-up on an idle host; on a saturated one a SCHED_OTHER ISR thread can wait
    /// seconds for a CPU, and an ISR that ran after a shorter wait gave up would queue a DPC after the flush (lost).
    /// </summary>
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Stops taking interrupts: the ISR thread services whatever its vectors have pending (one last
    /// non-blocking pass) and exits. Workers keep running, so a <see cref="FlushQueuedDpcs"/> after
    /// this call runs every DPC any interrupt queued — the shutdown order that loses nothing:
    /// stop the sources, <see cref="StopInterrupts"/>, <see cref="FlushQueuedDpcs"/>, <see cref="Stop"/>.
    /// </summary>
    public void StopInterrupts(TimeSpan? timeout = null)
    {
        if (_isrStopping)
        {
            return;
        }

        _isrStopping = true;
        _controller?.Wake();
        _isrThread?.Join(timeout ?? StopTimeout);
    }

    /// <summary>Stops the ISR thread (if still running) and the workers. Queued DPCs are not run: use the order on <see cref="StopInterrupts"/>.</summary>
    public void Stop(TimeSpan? timeout = null)
    {
        if (_stopping)
        {
            return;
        }

        StopInterrupts(timeout);
        _stopping = true;
        _controller?.Wake();
        foreach (var p in _processors)
        {
            p.Stop();
        }

        var deadline = Environment.TickCount64 + (long)(timeout ?? StopTimeout).TotalMilliseconds;
        foreach (var t in _threads)
        {
            var left = (int)Math.Max(0, deadline - Environment.TickCount64);
            t.Join(left);
        }

        if (Guarantees.MemoryLocked)
        {
            ThreadControl.UnlockAllMemory();
        }
    }

    /// <summary>Manual kernels: one pass of the ISR loop on the calling thread (acting as the ISR thread on <see cref="IsrProcessor"/>).</summary>
    public int PollInterrupts(IInterruptController controller, int timeoutMs = 0)
    {
        Span<int> vectors = stackalloc int[64];
        var savedCpu = KernelThread.Cpu;
        KernelThread.Cpu = IsrProcessor;
        try
        {
            return ServiceInterrupts(controller, vectors, timeoutMs);
        }
        finally
        {
            KernelThread.Cpu = savedCpu;
        }
    }

    /// <summary>The started threads' roles, cores and thread ids (a copy).</summary>
    internal IReadOnlyList<KernelThreadInfo> ThreadInfos
    {
        get
        {
            lock (_threadInfos)
            {
                return [.. _threadInfos];
            }
        }
    }

    private Thread StartThread(string name, Action body)
    {
        var t = new Thread(() => body()) { IsBackground = true, Name = name };
        _threads.Add(t);
        t.Start();
        return t;
    }

    private void SetUpThread(string role, int cpu, int priority)
    {
        KernelThread.Cpu = cpu;
        lock (_threadInfos)
        {
            _threadInfos.Add(new KernelThreadInfo(role, cpu, ThreadControl.CurrentThreadId()));
        }

        var pinned = false;
        var realtime = false;
        if (Options.Pin)
        {
            var e = ThreadControl.PinCurrentThread(cpu);
            pinned = e == 0;
            if (!pinned)
            {
                Guarantees.AddNote($"pinning {role} to CPU {cpu} refused: {ThreadControl.Describe(e)}; it runs where the scheduler puts it");
            }
        }
        else
        {
            Guarantees.AddNote("pinning disabled by configuration");
        }

        if (Options.Realtime)
        {
            var e = ThreadControl.SetRealtime(priority);
            realtime = e == 0;
            if (!realtime)
            {
                Guarantees.AddNote($"SCHED_FIFO refused ({ThreadControl.Describe(e)}); threads run SCHED_OTHER, so latency is not bounded (needs CAP_SYS_NICE or RLIMIT_RTPRIO >= {Options.IsrPriority})");
            }
        }
        else
        {
            Guarantees.AddNote("real-time scheduling disabled by configuration");
        }

        _ = ThreadControl.SetTimerSlack(1);
        Guarantees.ReportThread(realtime, pinned);
    }

    private void WorkerLoop(DpcProcessor p, CountdownEvent ready, bool threaded)
    {
        SetUpThread(threaded ? $"threaded-DPC thread {p.Cpu}" : $"DPC worker {p.Cpu}", p.Cpu, threaded ? Options.ThreadedDpcPriority : Options.DpcPriority);
        KernelThread.Irql = threaded ? Irql.Passive : Irql.Dispatch;
        ready.Signal();
        p.RunWorker(threaded);
    }

    private void IsrLoop(IInterruptController controller, CountdownEvent ready)
    {
        SetUpThread("ISR thread", IsrProcessor, Options.IsrPriority);
        KernelThread.IsIsrThread = true;
        ready.Signal();
        Span<int> vectors = stackalloc int[64];
        var drains = _isrDrainProcessor; // RunLocalDpcsOnIsrThread: the ISR thread runs what it queued on its core
        while (!_isrStopping)
        {
            _ = ServiceInterrupts(controller, vectors, -1);
            drains?.DrainOnIsrThread();
        }

        // One last non-blocking pass: what the devices had pending when the stop came is serviced, not dropped.
        // It repeats while it finds more (what came during the pass), but a bounded number of times: a line that
        // never goes quiet, such as a free-running clock on the pin, would otherwise keep the ISR thread here
        // after its stop, spinning at its real-time priority.
        for (var pass = 0; pass < FinalPasses && ServiceInterrupts(controller, vectors, 0) > 0; pass++)
        {
            drains?.DrainOnIsrThread();
        }
    }

    /// <summary>How many non-blocking passes the ISR thread makes after its stop (each reads every event then pending).</summary>
    private const int FinalPasses = 16;

    private int ServiceInterrupts(IInterruptController controller, Span<int> vectors, int timeoutMs)
    {
        var n = controller.WaitForInterrupts(vectors, timeoutMs);
        KernelThread.BeginIsrPass(); // what this wait returned is pending together: its ISRs run back to back
        for (var i = 0; i < n; i++)
        {
            var v = vectors[i];
            if ((uint)v < MaxVectors && Volatile.Read(ref _vectors[v]) is { Source: { } source } interrupt)
            {
                source.Service(interrupt);
            }
        }

        return n;
    }
}

/// <summary>One of the kernel's threads as the OS knows it: its role ("ISR thread", "DPC worker 1"...), its core and its Linux thread id.</summary>
public sealed record KernelThreadInfo(string Role, int Cpu, int ThreadId);
