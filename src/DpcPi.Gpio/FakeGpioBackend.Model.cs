namespace DpcPi.Gpio;

// The simulation's model (split from FakeGpioBackend.cs to keep files under 400 lines): chips, lines and scheduled changes.
public sealed partial class FakeGpioBackend
{
    /// <summary>A level change (generation 0) or a debounce expiry (generation of the timer it checks).</summary>
    private readonly record struct Scheduled(FakeLine Line, bool Level, long DebounceGeneration);

    internal sealed class FakeChip(GpioChipInfo info)
    {
        public GpioChipInfo Info { get; } = info;

        public List<FakeLine> Lines { get; } = [];
    }

    internal sealed class FakeLine(FakeChip chip, int offset, string name)
    {
        public FakeChip Chip { get; } = chip;

        public int Offset { get; } = offset;

        public string Name { get; } = name;

        public bool Level { get; set; }

        public FakeGpioLineRequest? Owner { get; set; }

        public int Index { get; set; } = -1;

        public bool DebouncedLevel { get; set; }

        public long DebounceGeneration { get; set; }

        public List<(FakeLine To, long DelayNs)> Wires { get; } = [];
    }
}
