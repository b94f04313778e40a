using DpcPi.Platform;

namespace DpcPi.Platform.Tests;

public sealed class CpuTimesTests
{
    private const string Sample = """
        cpu  4851443 5341 273891 3202049 3271 0 12832 105798 0 0
        cpu0 2606045 3941 142692 1426065 2060 0 4854 52665 0 0
        cpu1 2245398 1400 131198 1775984 1210 0 7978 53132 0 0
        intr 123 0 0
        ctxt 456
        """;

    [Fact]
    public void Parse_OneCpu_SumsItsEightFieldsAndTakesTheEighthAsSteal()
    {
        var t = CpuTimes.Parse(Sample, [1]);

        Assert.Equal(new CpuTimes(2245398 + 1400 + 131198 + 1775984 + 1210 + 0 + 7978 + 53132, 53132), t);
    }

    [Fact]
    public void Parse_TwoCpus_AddsThemAndIgnoresTheSummaryLine()
    {
        var t = CpuTimes.Parse(Sample, [0, 1])!.Value;

        Assert.Equal(52665 + 53132, t.StealTicks);
        Assert.Equal(CpuTimes.Parse(Sample, [0])!.Value.TotalTicks + CpuTimes.Parse(Sample, [1])!.Value.TotalTicks, t.TotalTicks);
    }

    [Fact]
    public void Parse_CpuWithoutALine_ReturnsNull()
    {
        Assert.Null(CpuTimes.Parse(Sample, [7]));
        Assert.Null(CpuTimes.Parse("garbage\n", [0]));
    }

    [Fact]
    public void Parse_OldKernelWithoutStealField_CountsNoSteal()
    {
        var t = CpuTimes.Parse("cpu0 10 0 5 85 0 0 0\n", [0])!.Value;

        Assert.Equal(new CpuTimes(100, 0), t);
        Assert.Equal(0.0, t.StealPercent);
    }

    [Fact]
    public void Since_TwoReadings_GivesTheStealShareOfTheInterval()
    {
        var before = new CpuTimes(1_000, 10);
        var after = new CpuTimes(1_400, 110);

        var d = after.Since(before);

        Assert.Equal(new CpuTimes(400, 100), d);
        Assert.Equal(25.0, d.StealPercent);
        Assert.Equal("25.0%", CpuTimes.Format(d.StealPercent));
        Assert.Null(new CpuTimes(0, 0).StealPercent);
        Assert.Equal("n/a", CpuTimes.Format(null));
    }

    [Fact]
    public void Read_ThisMachinesFirstCpu_CountsTimeThatGrows()
    {
        Assert.SkipUnless(File.Exists("/proc/stat"), "no /proc/stat here");
        var cpu = ThreadControl.GetAllowedCpus()[0];

        var before = CpuTimes.Read([cpu])!.Value;
        Thread.Sleep(100);
        var after = CpuTimes.Read([cpu])!.Value;

        Assert.True(after.TotalTicks > before.TotalTicks, $"{before} → {after}");
        Assert.InRange(after.Since(before).StealTicks, 0, after.Since(before).TotalTicks);
    }
}
