using System.Runtime.InteropServices;
using DpcPi.Interrupts;
using DpcPi.Platform;

namespace DpcPi.Interrupts.Tests;

public sealed class EpollInterruptControllerTests
{
    [Fact]
    public void WaitForInterrupts_ReadyDescriptors_ReturnsTheirVectors()
    {
        using var controller = new EpollInterruptController();
        using var a = new EventFd();
        using var b = new EventFd();
        controller.Register(a.Handle, 5);
        controller.Register(b.Handle, 9);
        b.Signal();

        Span<int> vectors = stackalloc int[8];
        var n = controller.WaitForInterrupts(vectors, 1000);

        Assert.Equal(1, n);
        Assert.Equal(9, vectors[0]);
    }

    [Fact]
    public void Wake_BlockedWait_ReturnsWithNoVectors()
    {
        using var controller = new EpollInterruptController();
        controller.Wake();

        Span<int> vectors = stackalloc int[8];
        Assert.Equal(0, controller.WaitForInterrupts(vectors, 5000));
    }

    [Fact]
    public void EpollEventLayout_MatchesArchitecture()
    {
        // x86_64 packs struct epoll_event (12 bytes); arm64 aligns it (16). Round-trip a cookie that
        // uses all 64 bits, which only survives if the layout is right.
        using var controller = new EpollInterruptController();
        using var fd = new EventFd();
        controller.Register(fd.Handle, 1023);
        fd.Signal();

        Span<int> vectors = stackalloc int[8];
        Assert.Equal(1, controller.WaitForInterrupts(vectors, 1000));
        Assert.Equal(1023, vectors[0]);
        Assert.True(RuntimeInformation.ProcessArchitecture is Architecture.X64 or Architecture.Arm64);
    }
}
