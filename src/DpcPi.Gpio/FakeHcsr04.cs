using DpcPi.Platform;

namespace DpcPi.Gpio;

/// <summary>
/// An HC-SR04 on a <see cref="FakeGpioBackend"/> chip, in real time: its own thread watches a tap of the
/// trigger line (an input wired from the trigger output with <see cref="FakeGpioBackend.AddWire"/>) and
/// answers each trigger's falling edge, <c>sensorDelayNs</c> later, with an echo of <see cref="WidthNs"/>
/// on the echo line. It records each echo as made (the clock before and after each write), since a thread
/// cannot make a width exactly. It sleeps rather than spins, so a binding's busy loop keeps the other core.
/// </summary>
public sealed class FakeHcsr04 : IDisposable
{
    private readonly FakeGpioBackend _backend;
    private readonly string _chip;
    private readonly GpioLineRequest _trigger;
    private readonly int _echo;
    private readonly int _priority;
    private readonly long _sensorDelayNs;
    private readonly Thread _thread;
    private readonly List<Pulse> _pulses = [];
    private volatile bool _stop;
    private long _widthNs;

    /// <param name="priority">SCHED_FIFO priority of the sensor's thread: above the measured threads, as hardware is never late because software is busy (if permitted; see <see cref="Realtime"/>).</param>
    public FakeHcsr04(FakeGpioBackend backend, string chip, int triggerTap, int echo, long widthNs, long sensorDelayNs, int priority)
    {
        ArgumentNullException.ThrowIfNull(backend);
        _backend = backend;
        _chip = chip;
        _echo = echo;
        _widthNs = widthNs;
        _sensorDelayNs = sensorDelayNs;
        _priority = priority;
        _trigger = backend.RequestLine(chip, triggerTap, GpioLineSettings.Input(PinEventTypes.Falling), consumer: "hcsr04-sensor");
        _thread = new Thread(Run) { IsBackground = true, Name = "hcsr04-sensor" };
        _thread.Start();
    }

    /// <summary>The next echoes' width (the distance to the target).</summary>
    public long WidthNs
    {
        get => Interlocked.Read(ref _widthNs);
        set => Interlocked.Exchange(ref _widthNs, value);
    }

    /// <summary>The echoes made so far.</summary>
    public IReadOnlyList<Pulse> Pulses
    {
        get
        {
            lock (_pulses)
            {
                return [.. _pulses];
            }
        }
    }

    /// <summary>The sensor's thread got its SCHED_FIFO priority.</summary>
    public bool Realtime { get; private set; }

    public void Dispose()
    {
        _stop = true;
        _thread.Join();
        _trigger.Dispose();
    }

    private void Run()
    {
        Realtime = ThreadControl.SetRealtime(_priority) == 0;
        _ = ThreadControl.SetTimerSlack(1);
        using var ready = new Epoll(1);
        ready.Add(_trigger.ReadinessHandle, 0);
        var cookies = new ulong[1];
        var flags = new uint[1];
        var events = new GpioEdgeEvent[4];
        while (!_stop)
        {
            var n = ready.Wait(cookies, flags, 50) > 0 ? _trigger.ReadEdgeEvents(events) : 0;
            if (n == 0)
            {
                continue;
            }

            MonotonicClock.SleepUntil(events[n - 1].TimestampNs + _sensorDelayNs); // the ultrasonic burst before the echo rises
            var riseBefore = MonotonicClock.NowNs;
            _backend.SetInputLevel(_chip, _echo, PinValue.High);
            var riseAfter = MonotonicClock.NowNs;
            MonotonicClock.SleepUntil(riseAfter + WidthNs);
            var fallBefore = MonotonicClock.NowNs;
            _backend.SetInputLevel(_chip, _echo, PinValue.Low);
            var fallAfter = MonotonicClock.NowNs;
            lock (_pulses)
            {
                _pulses.Add(new Pulse(riseBefore, riseAfter, fallBefore, fallAfter));
            }
        }
    }

    /// <summary>One echo as the sensor made it: the clock read before and after each of its two writes.</summary>
    public readonly record struct Pulse(long RiseBeforeNs, long RiseAfterNs, long FallBeforeNs, long FallAfterNs)
    {
        /// <summary>The width between the clock reads just before the two writes (each write stamps its edge as it starts).</summary>
        public long WidthNs => FallBeforeNs - RiseBeforeNs;

        /// <summary>The narrowest the echo can have been (the level calls themselves take time).</summary>
        public long ShortestNs => FallBeforeNs - RiseAfterNs;

        /// <summary>The widest the echo can have been.</summary>
        public long LongestNs => FallAfterNs - RiseBeforeNs;
    }
}
