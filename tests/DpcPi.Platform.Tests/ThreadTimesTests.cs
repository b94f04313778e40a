using DpcPi.Platform;

namespace DpcPi.Platform.Tests;

public sealed class ThreadTimesTests
{
    [Fact]
    public void Parse_CommandNameWithSpacesAndParentheses_ReadsRunDelayAndFaults()
    {
        // proc(5): pid (comm) state ppid ... minflt(10) cminflt(11) majflt(12); a thread may name itself "dpc (x) 1".
        const string stat = "4242 (dpc (x) 1) S 1 4242 4242 0 -1 4194368 731 0 5 0 12 3 0 0 -6 0 20 0 100 0 0";
        const string schedstat = "123456789 98765 4321\n";

        var t = Assert.IsType<ThreadTimes>(ThreadTimes.Parse(schedstat, stat));

        Assert.Equal(123_456_789, t.RunNs);
        Assert.Equal(98_765, t.RunnableWaitNs);
        Assert.Equal(731, t.MinorFaults);
        Assert.Equal(5, t.MajorFaults);
    }

    [Fact]
    public void Parse_TruncatedStat_ReturnsNull()
    {
        Assert.Null(ThreadTimes.Parse("1 2 3", "4242 (isr) S 1 2"));
    }

    [Fact]
    public void Read_ThisThreadOnLinux_CountsItsOwnRunTime()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux() && File.Exists("/proc/self/schedstat"), "needs Linux with schedstats");
        var before = Assert.IsType<ThreadTimes>(ThreadTimes.Read(ThreadControl.CurrentThreadId()));
        var spinUntil = Environment.TickCount64 + 20;
        while (Environment.TickCount64 < spinUntil)
        {
            Thread.SpinWait(100);
        }

        var after = Assert.IsType<ThreadTimes>(ThreadTimes.Read(ThreadControl.CurrentThreadId()));

        Assert.True(after.Since(before).RunNs > 0);
    }
}
