using System.Runtime.InteropServices;

namespace DpcPi.Gpio;

/// <summary>
/// Lines held from one chip. <see cref="ReadinessHandle"/> becomes readable (epoll EPOLLIN) while edge
/// events are pending; <see cref="ReadEdgeEvents"/> drains them without blocking or allocating and
/// keeps per-line loss accounting (<see cref="GetStatistics"/>). Events are meant to be read by one
/// thread; the counters may be read from any thread. Disposing releases the lines.
/// </summary>
public abstract class GpioLineRequest : IDisposable
{
    private readonly int[] _offsets;
    private readonly int[] _indexByOffset;
    private readonly GpioLineSettings[] _settings;
    private readonly uint[] _lastLineSeqno;
    private readonly PinEventTypes[] _lastType;
    private readonly long[] _delivered;
    private readonly long[] _lost;
    private readonly long[] _merged;
    private uint _lastSeqno;
    private long _totalDelivered;
    private long _totalLost;
    private long _totalMerged;
    private bool _disposed;

    protected GpioLineRequest(GpioChipInfo chip, GpioLineRequestOptions options)
    {
        ArgumentNullException.ThrowIfNull(chip);
        ArgumentNullException.ThrowIfNull(options);
        Chip = chip;
        Consumer = options.Consumer;
        EventBufferSize = options.EventBufferSize;
        var count = options.Lines.Count;
        _offsets = new int[count];
        _settings = new GpioLineSettings[count];
        var maxOffset = 0;
        for (var i = 0; i < count; i++)
        {
            _offsets[i] = options.Lines[i].Offset;
            _settings[i] = options.Lines[i].Settings;
            maxOffset = Math.Max(maxOffset, _offsets[i]);
        }

        _indexByOffset = new int[maxOffset + 1];
        _indexByOffset.AsSpan().Fill(-1);
        for (var i = 0; i < count; i++)
        {
            _indexByOffset[_offsets[i]] = i;
        }

        _lastLineSeqno = new uint[count];
        _lastType = new PinEventTypes[count];
        _delivered = new long[count];
        _lost = new long[count];
        _merged = new long[count];
    }

    public GpioChipInfo Chip { get; }

    public string Consumer { get; }

    /// <summary>The kernel event buffer size asked for, in events.</summary>
    public int EventBufferSize { get; }

    /// <summary>The requested offsets, in request order (bit i of the value bitmaps is line i).</summary>
    public IReadOnlyList<int> Offsets => _offsets;

    /// <summary>Readable while edge events are pending: add it to an epoll set. A real request fd, or an eventfd for the fake.</summary>
    public abstract SafeHandle ReadinessHandle { get; }

    public bool IsDisposed => _disposed;

    /// <summary>Total counters: Lost from request-wide seqno gaps (seen at once), Delivered and Merged summed over lines.</summary>
    public GpioLineStatistics TotalStatistics => new(Volatile.Read(ref _totalDelivered), Volatile.Read(ref _totalLost), Volatile.Read(ref _totalMerged));

    /// <summary>The settings a line currently has.</summary>
    public GpioLineSettings GetSettings(int offset) => _settings[IndexOf(offset)];

    /// <summary>Counters of one line: Lost from that line's line_seqno gaps (seen when its next event arrives).</summary>
    public GpioLineStatistics GetStatistics(int offset)
    {
        var i = IndexOf(offset);
        return new(Volatile.Read(ref _delivered[i]), Volatile.Read(ref _lost[i]), Volatile.Read(ref _merged[i]));
    }

    /// <summary>
    /// Reads the pending edge events (up to <paramref name="buffer"/>.Length) without blocking; 0 when none.
    /// Updates the loss accounting. Allocates nothing.
    /// </summary>
    public int ReadEdgeEvents(Span<GpioEdgeEvent> buffer)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (buffer.IsEmpty)
        {
            return 0;
        }

        var n = ReadEdgeEventsCore(buffer);
        for (var i = 0; i < n; i++)
        {
            Account(in buffer[i]);
        }

        return n;
    }

    /// <summary>The logical value of one line.</summary>
    public PinValue Read(int offset)
    {
        var i = IndexOf(offset);
        return ((ReadValues(1UL << i) >> i) & 1) != 0 ? PinValue.High : PinValue.Low;
    }

    /// <summary>Drives one output line.</summary>
    public void Write(int offset, PinValue value)
    {
        var i = IndexOf(offset);
        WriteValues(value == PinValue.High ? 1UL << i : 0, 1UL << i);
    }

    /// <summary>Logical values of the lines in <paramref name="mask"/> (bit i = line i of <see cref="Offsets"/>).</summary>
    public ulong ReadValues(ulong mask)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return GetValuesCore(mask & AllLinesMask) & mask;
    }

    /// <summary>Sets the output lines in <paramref name="mask"/> to <paramref name="bits"/> (bit i = line i of <see cref="Offsets"/>).</summary>
    public void WriteValues(ulong bits, ulong mask)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        for (var i = 0; i < _offsets.Length; i++)
        {
            if ((mask & (1UL << i)) != 0 && _settings[i].Mode != PinMode.Output)
            {
                throw new InvalidOperationException($"Line {_offsets[i]} on {Chip.Name} is an input; only output lines can be written.");
            }
        }

        SetValuesCore(bits & mask & AllLinesMask, mask & AllLinesMask);
    }

    /// <summary>Changes one line's configuration without releasing the request (GPIO_V2_LINE_SET_CONFIG_IOCTL).</summary>
    public void Reconfigure(int offset, GpioLineSettings settings) => Reconfigure([new GpioRequestedLine(offset, settings)]);

    /// <summary>Changes the configuration of the given lines (others keep theirs) without releasing the request.</summary>
    public void Reconfigure(IEnumerable<GpioRequestedLine> lines)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var next = (GpioLineSettings[])_settings.Clone();
        foreach (var line in lines)
        {
            var error = line.Settings.GetValidationError();
            if (error is not null)
            {
                throw new ArgumentException($"Line {line.Offset}: {error}");
            }

            next[IndexOf(line.Offset)] = line.Settings;
        }

        var all = new GpioRequestedLine[_offsets.Length];
        for (var i = 0; i < all.Length; i++)
        {
            all[i] = new GpioRequestedLine(_offsets[i], next[i]);
        }

        ReconfigureCore(all);
        for (var i = 0; i < next.Length; i++)
        {
            if (next[i].Edges != _settings[i].Edges)
            {
                _lastType[i] = PinEventTypes.None; // a new edge set starts a new merge history
            }

            _settings[i] = next[i];
        }
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    internal int IndexOf(int offset)
    {
        if ((uint)offset < (uint)_indexByOffset.Length && _indexByOffset[offset] >= 0)
        {
            return _indexByOffset[offset];
        }

        throw new ArgumentOutOfRangeException(nameof(offset), offset, $"Line {offset} is not part of this request on {Chip.Name}; it holds {string.Join(", ", _offsets)}.");
    }

    private ulong AllLinesMask => _offsets.Length == 64 ? ulong.MaxValue : (1UL << _offsets.Length) - 1;

    /// <summary>Reads raw events into <paramref name="buffer"/> without blocking; returns the count.</summary>
    protected abstract int ReadEdgeEventsCore(Span<GpioEdgeEvent> buffer);

    protected abstract ulong GetValuesCore(ulong mask);

    protected abstract void SetValuesCore(ulong bits, ulong mask);

    /// <summary>Applies the full configuration (every line, request order); throws without changing anything on failure.</summary>
    protected abstract void ReconfigureCore(IReadOnlyList<GpioRequestedLine> lines);

    protected virtual void Dispose(bool disposing)
    {
    }

    private void Account(in GpioEdgeEvent e)
    {
        // Request-wide: a seqno gap is events dropped by the buffer (the kernel drops the oldest).
        var seqGap = e.Seqno - _lastSeqno - 1; // uint arithmetic: wraps like the kernel's counter
        if (seqGap != 0 && seqGap < int.MaxValue)
        {
            _totalLost += seqGap;
        }

        _lastSeqno = e.Seqno;
        if ((uint)e.Offset >= (uint)_indexByOffset.Length || _indexByOffset[e.Offset] < 0)
        {
            return; // not ours: cannot happen with the kernel, ignore defensively
        }

        var i = _indexByOffset[e.Offset];
        var lineGap = e.LineSeqno - _lastLineSeqno[i] - 1;
        if (lineGap != 0 && lineGap < int.MaxValue)
        {
            _lost[i] += lineGap;
        }
        else if (_lastType[i] == e.EventType && _settings[i].Edges == (PinEventTypes.Rising | PinEventTypes.Falling))
        {
            // Two equal edges, nothing lost in between: the opposite edge was merged away.
            _merged[i]++;
            _totalMerged++;
        }

        _lastLineSeqno[i] = e.LineSeqno;
        _lastType[i] = e.EventType;
        _delivered[i]++;
        _totalDelivered++;
    }
}
