using DpcPi.Platform;
using DpcPi.Platform.Gpio;

namespace DpcPi.Gpio;

/// <summary>
/// A deterministic GPIO simulation with the same contract as <see cref="LinuxGpioBackend"/>: virtual
/// chips and lines, edges with explicit timestamps, virtual wires (an output drives an input after a
/// delay), scheduled level sequences (<see cref="SignalGenerators"/>), and a kernel-like event buffer
/// (power-of-two size, drops the oldest on overflow, leaving a seqno gap). Each request's
/// <see cref="GpioLineRequest.ReadinessHandle"/> is a real eventfd, so it joins epoll sets like a real
/// request fd. Kernel debounce is simulated in software like gpiolib-cdev does it: a change is
/// reported only once the line has been stable for the period, timestamped when the period expires
/// (changes and expiries are processed by <see cref="RunUntil"/>).
/// </summary>
public sealed partial class FakeGpioBackend : IGpioBackend
{
    private readonly Lock _gate = new();
    private readonly List<FakeChip> _chips = [];
    private readonly PriorityQueue<Scheduled, (long At, long Order)> _schedule = new();
    private long _order;

    public FakeGpioBackend(Func<long>? clock = null) => Clock = clock ?? (static () => MonotonicClock.NowNs);

    /// <summary>The time source for timestamps of immediate changes (default CLOCK_MONOTONIC).</summary>
    public Func<long> Clock { get; }

    /// <summary>The earliest scheduled change still pending, or null.</summary>
    public long? NextScheduledNs
    {
        get
        {
            lock (_gate)
            {
                return _schedule.TryPeek(out _, out var key) ? key.At : null;
            }
        }
    }

    /// <summary>Adds a chip named <paramref name="name"/> (gpiochip0) with <paramref name="label"/> (pinctrl-bcm2711).</summary>
    public void AddChip(string name, string label, int lineCount, IReadOnlyList<string>? lineNames = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(lineCount);
        lock (_gate)
        {
            if (_chips.Any(c => c.Info.Name == name))
            {
                throw new ArgumentException($"A fake chip named {name} already exists.");
            }

            var chip = new FakeChip(new GpioChipInfo(name, "/dev/" + name, label, lineCount));
            for (var i = 0; i < lineCount; i++)
            {
                chip.Lines.Add(new FakeLine(chip, i, lineNames is not null && i < lineNames.Count ? lineNames[i] : string.Empty));
            }

            _chips.Add(chip);
        }
    }

    /// <summary>Adds a chip for a board (its label, line count and GPIOn names).</summary>
    public void AddChip(string name, BoardInfo board)
    {
        ArgumentNullException.ThrowIfNull(board);
        AddChip(name, board.ChipLabel, board.ChipLineCount, Enumerable.Range(0, board.ChipLineCount).Select(i => "GPIO" + i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray());
    }

    public IReadOnlyList<GpioChipInfo> GetChips()
    {
        lock (_gate)
        {
            return _chips.Select(c => c.Info).ToArray();
        }
    }

    public GpioChipInfo GetChip(string chip)
    {
        lock (_gate)
        {
            return Find(chip).Info;
        }
    }

    public GpioLineInfo GetLineInfo(string chip, int offset)
    {
        lock (_gate)
        {
            return Describe(FindLine(chip, offset));
        }
    }

    public IReadOnlyList<GpioLineInfo> GetLines(string chip)
    {
        lock (_gate)
        {
            return Find(chip).Lines.Select(Describe).ToArray();
        }
    }

    public GpioLineRequest RequestLines(string chip, GpioLineRequestOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        lock (_gate)
        {
            var c = Find(chip);
            foreach (var line in options.Lines)
            {
                if (line.Offset < 0 || line.Offset >= c.Info.LineCount)
                {
                    throw GpioErrors.LineOutOfRange(c.Info, line.Offset);
                }
            }

            options.Validate(c.Info.LineCount);
            var config = default(GpioUapi.LineConfig);
            LineFlags.EncodeConfig(options.Lines.ToArray(), ref config); // same limits as the kernel path
            foreach (var line in options.Lines)
            {
                var l = c.Lines[line.Offset];
                if (l.Owner is not null)
                {
                    throw GpioErrors.Busy(c.Info, l.Offset, l.Name, l.Owner.Consumer);
                }
            }

            var request = new FakeGpioLineRequest(this, c, options);
            for (var i = 0; i < options.Lines.Count; i++)
            {
                var l = c.Lines[options.Lines[i].Offset];
                l.Owner = request;
                l.Index = i;
                l.DebouncedLevel = l.Level;
                ApplyOutput(l, options.Lines[i].Settings, Clock());
            }

            return request;
        }
    }

    /// <summary>Sets a line's physical level now (on <see cref="Clock"/>); an edge reaches the holder if it watches it.</summary>
    public void SetInputLevel(string chip, int offset, PinValue physicalLevel) => SetInputLevel(chip, offset, physicalLevel, Clock());

    /// <summary>Sets a line's physical level with an explicit edge timestamp.</summary>
    public void SetInputLevel(string chip, int offset, PinValue physicalLevel, long timestampNs)
    {
        lock (_gate)
        {
            ApplyLevel(FindLine(chip, offset), physicalLevel == PinValue.High, timestampNs);
        }
    }

    /// <summary>The line's physical level.</summary>
    public PinValue GetPhysicalLevel(string chip, int offset)
    {
        lock (_gate)
        {
            return FindLine(chip, offset).Level ? PinValue.High : PinValue.Low;
        }
    }

    /// <summary>
    /// Queues a raw edge event exactly as given, whatever the level: two equal edges in a row model the
    /// kernel seeing a fast pulse only once (a merged edge). Ignored when the line is not watched for that edge.
    /// </summary>
    public void InjectEdge(string chip, int offset, PinEventTypes edge, long timestampNs)
    {
        if (edge is not (PinEventTypes.Rising or PinEventTypes.Falling))
        {
            throw new ArgumentException("Inject exactly one edge: Rising or Falling.", nameof(edge));
        }

        lock (_gate)
        {
            var line = FindLine(chip, offset);
            line.Owner?.Deliver(line, edge, timestampNs);
        }
    }

    /// <summary>Schedules a physical level at <paramref name="atNs"/>; applied by <see cref="RunUntil"/>.</summary>
    public void Schedule(string chip, int offset, PinValue level, long atNs)
    {
        lock (_gate)
        {
            Enqueue(FindLine(chip, offset), level == PinValue.High, atNs);
        }
    }

    /// <summary>Schedules a level sequence (for example from <see cref="SignalGenerators"/>).</summary>
    public void Schedule(string chip, int offset, IEnumerable<FakeLevelChange> changes)
    {
        ArgumentNullException.ThrowIfNull(changes);
        lock (_gate)
        {
            var line = FindLine(chip, offset);
            foreach (var c in changes)
            {
                Enqueue(line, c.Level == PinValue.High, c.TimestampNs);
            }
        }
    }

    /// <summary>Applies, in time order, every scheduled change due at or before <paramref name="nowNs"/> (with its own timestamp). Returns how many.</summary>
    public int RunUntil(long nowNs)
    {
        var applied = 0;
        lock (_gate)
        {
            while (_schedule.TryPeek(out var item, out var key) && key.At <= nowNs)
            {
                _ = _schedule.Dequeue();
                if (item.DebounceGeneration == 0)
                {
                    ApplyLevel(item.Line, item.Level, key.At);
                }
                else
                {
                    ExpireDebounce(item.Line, item.DebounceGeneration, key.At);
                }

                applied++;
            }
        }

        return applied;
    }

    /// <summary>Applies every change due by <see cref="Clock"/>.</summary>
    public int RunDue() => RunUntil(Clock());

    /// <summary>A virtual wire: whenever the source line's level changes, the target follows after <paramref name="delayNs"/>.</summary>
    public void AddWire(string fromChip, int fromOffset, string toChip, int toOffset, long delayNs = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(delayNs);
        lock (_gate)
        {
            var from = FindLine(fromChip, fromOffset);
            var to = FindLine(toChip, toOffset);
            if (ReferenceEquals(from, to))
            {
                throw new ArgumentException($"A wire cannot connect line {fromOffset} of {fromChip} to itself.");
            }

            from.Wires.Add((to, delayNs));
        }
    }

    /// <summary>
    /// Builds the virtual wires of a wiring file; its pins (GPIO numbers) are offsets on <paramref name="chip"/>.
    /// A virtual wire is copper: only an output and an input GPIO in one net are joined. A path through a part
    /// (a resistor, a sensor, a button) is not copper — the part decides what reaches the input, so the lab
    /// that uses it drives the device itself.
    /// </summary>
    public void AddWires(WiringDocument wiring, string chip)
    {
        ArgumentNullException.ThrowIfNull(wiring);
        foreach (var wire in wiring.Wires)
        {
            AddWire(chip, wiring.Pin(wire.From).Gpio, chip, wiring.Pin(wire.To).Gpio, wire.DelayNs);
        }
    }

    internal Lock Gate => _gate;

    internal void Release(FakeGpioLineRequest request)
    {
        lock (_gate)
        {
            foreach (var line in request.FakeChip.Lines)
            {
                if (ReferenceEquals(line.Owner, request))
                {
                    line.Owner = null;
                    line.Index = -1;
                }
            }
        }
    }

    /// <summary>Called under the gate when a request drives outputs or is (re)configured.</summary>
    internal void ApplyOutput(FakeLine line, GpioLineSettings settings, long timestampNs)
    {
        if (settings.Mode == PinMode.Output)
        {
            ApplyLevel(line, (settings.OutputValue == PinValue.High) ^ settings.ActiveLow, timestampNs);
        }
    }

    internal void ApplyLevel(FakeLine line, bool level, long timestampNs)
    {
        if (line.Level == level)
        {
            return;
        }

        line.Level = level;
        if (line.Owner is { } owner)
        {
            var settings = owner.GetSettings(line.Offset);
            if (settings.Mode == PinMode.Input && settings.DebouncePeriod > TimeSpan.Zero)
            {
                // Restart the stability timer; the edge is decided when it expires undisturbed.
                line.DebounceGeneration++;
                _schedule.Enqueue(new Scheduled(line, level, line.DebounceGeneration), (timestampNs + (long)(settings.DebouncePeriod.Ticks * 100), _order++));
            }
            else if (settings.Mode == PinMode.Input)
            {
                var logicalHigh = level ^ settings.ActiveLow;
                owner.Deliver(line, logicalHigh ? PinEventTypes.Rising : PinEventTypes.Falling, timestampNs);
            }
        }

        foreach (var (to, delay) in line.Wires)
        {
            if (delay == 0)
            {
                ApplyLevel(to, level, timestampNs);
            }
            else
            {
                Enqueue(to, level, timestampNs + delay);
            }
        }
    }

    private void Enqueue(FakeLine line, bool level, long atNs) => _schedule.Enqueue(new Scheduled(line, level, 0), (atNs, _order++));

    private static void ExpireDebounce(FakeLine line, long generation, long timestampNs)
    {
        if (generation != line.DebounceGeneration || line.Level == line.DebouncedLevel || line.Owner is not { } owner)
        {
            return; // the line moved again (timer restarted) or settled where it started: no edge
        }

        line.DebouncedLevel = line.Level;
        var settings = owner.GetSettings(line.Offset);
        if (settings.Mode == PinMode.Input)
        {
            owner.Deliver(line, line.Level ^ settings.ActiveLow ? PinEventTypes.Rising : PinEventTypes.Falling, timestampNs);
        }
    }

    private static GpioLineInfo Describe(FakeLine line)
    {
        if (line.Owner is null)
        {
            return new GpioLineInfo(line.Offset, line.Name, string.Empty, false, PinMode.Input, PinEventTypes.None, GpioBias.AsIs, GpioDrive.PushPull, false, GpioEventClock.Monotonic, TimeSpan.Zero);
        }

        var s = line.Owner.GetSettings(line.Offset);
        return new GpioLineInfo(line.Offset, line.Name, line.Owner.Consumer, true, s.Mode, s.Edges, s.Bias, s.Drive, s.ActiveLow, s.EventClock, s.DebouncePeriod);
    }

    private FakeChip Find(string chip)
    {
        foreach (var c in _chips)
        {
            if (c.Info.Name == chip || c.Info.Path == chip || c.Info.Label == chip)
            {
                return c;
            }
        }

        throw GpioErrors.ChipNotFound(chip, _chips.Select(c => c.Info).ToArray(), "the fake backend");
    }

    private FakeLine FindLine(string chip, int offset)
    {
        var c = Find(chip);
        if (offset < 0 || offset >= c.Lines.Count)
        {
            throw GpioErrors.LineOutOfRange(c.Info, offset);
        }

        return c.Lines[offset];
    }
}
