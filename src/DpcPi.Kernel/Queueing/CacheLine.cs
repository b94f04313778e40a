using System.Runtime.InteropServices;

namespace DpcPi.Kernel;

/// <summary>
/// The cache-line padding of the queue's shared state (dotnet/runtime's PaddingHelpers, Disruptor's padded
/// sequences). A group of fields written by one side is an explicit-layout struct (the runtime may reorder a
/// sequential struct that holds references) with a whole line of padding <see cref="Before"/> and
/// <see cref="After"/> it, so nothing placed next to it (an object header, a field the other side writes, the
/// next object) shares its line: <c>Size = CacheLine.Before + the group's bytes + CacheLine.After</c>, each
/// field at <c>CacheLine.Before + its offset in the group</c>.
/// </summary>
internal static class CacheLine
{
    /// <summary>The line of the Cortex-A72/A76 and of x86-64.</summary>
    public const int Size = 64;

    /// <summary>Padding in front of a group: where its first field goes.</summary>
    public const int Before = Size;

    /// <summary>Padding behind a group.</summary>
    public const int After = Size;
}

/// <summary>An int alone on its cache line: a flag one side raises and another clears.</summary>
[StructLayout(LayoutKind.Explicit, Size = CacheLine.Before + sizeof(int) + CacheLine.After)]
internal struct PaddedInt
{
    [FieldOffset(CacheLine.Before)]
    public int Value;
}

/// <summary>A long alone on its cache line.</summary>
[StructLayout(LayoutKind.Explicit, Size = CacheLine.Before + sizeof(long) + CacheLine.After)]
internal struct PaddedLong
{
    [FieldOffset(CacheLine.Before)]
    public long Value;
}
