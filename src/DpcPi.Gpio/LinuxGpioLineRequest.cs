using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using DpcPi.Platform;
using DpcPi.Platform.Gpio;

namespace DpcPi.Gpio;

/// <summary>A line request fd from GPIO_V2_GET_LINE_IOCTL, switched to O_NONBLOCK.</summary>
internal sealed unsafe class LinuxGpioLineRequest : GpioLineRequest
{
    private const int RawCapacity = 64;
    private readonly FileDescriptorHandle _fd;
    private readonly GpioUapi.LineEvent[] _raw; // pinned, allocated once

    public LinuxGpioLineRequest(GpioChipInfo chip, GpioLineRequestOptions options, FileDescriptorHandle fd)
        : base(chip, options)
    {
        _fd = fd;
        _raw = GC.AllocateArray<GpioUapi.LineEvent>(RawCapacity, pinned: true);
    }

    public override SafeHandle ReadinessHandle => _fd;

    protected override int ReadEdgeEventsCore(Span<GpioEdgeEvent> buffer)
    {
        var want = Math.Min(buffer.Length, RawCapacity);
        var raw = (GpioUapi.LineEvent*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_raw));
        var n = Libc.Read(_fd.Fd, raw, (nuint)(want * sizeof(GpioUapi.LineEvent)));
        if (n < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            if (errno is Errnos.EAGAIN or Errnos.EINTR)
            {
                return 0;
            }

            throw new GpioException($"Reading edge events from {Chip.Name} failed: {Marshal.GetPInvokeErrorMessage(errno)} ({Errnos.Name(errno)}).", errno);
        }

        var count = (int)(n / sizeof(GpioUapi.LineEvent));
        for (var i = 0; i < count; i++)
        {
            ref readonly var e = ref raw[i];
            buffer[i] = new GpioEdgeEvent((long)e.TimestampNs, (PinEventTypes)e.Id, (int)e.Offset, e.Seqno, e.LineSeqno);
        }

        return count;
    }

    protected override ulong GetValuesCore(ulong mask)
    {
        var v = new GpioUapi.LineValues { Mask = mask };
        if (Libc.Ioctl(_fd.Fd, GpioUapi.LineGetValuesIoctl, &v) < 0)
        {
            throw Fail("Reading line values", Marshal.GetLastPInvokeError());
        }

        return v.Bits;
    }

    protected override void SetValuesCore(ulong bits, ulong mask)
    {
        var v = new GpioUapi.LineValues { Bits = bits, Mask = mask };
        if (Libc.Ioctl(_fd.Fd, GpioUapi.LineSetValuesIoctl, &v) < 0)
        {
            throw Fail("Writing line values", Marshal.GetLastPInvokeError());
        }
    }

    protected override void ReconfigureCore(IReadOnlyList<GpioRequestedLine> lines)
    {
        var config = default(GpioUapi.LineConfig);
        LineFlags.EncodeConfig(lines, ref config);
        if (Libc.Ioctl(_fd.Fd, GpioUapi.LineSetConfigIoctl, &config) < 0)
        {
            throw Fail("Reconfiguring lines", Marshal.GetLastPInvokeError());
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _fd.Dispose();
        }

        base.Dispose(disposing);
    }

    private GpioException Fail(string what, int errno) =>
        new($"{what} {string.Join(", ", Offsets)} on {Chip.Name} failed: {Marshal.GetPInvokeErrorMessage(errno)} ({Errnos.Name(errno)}).", errno);
}
