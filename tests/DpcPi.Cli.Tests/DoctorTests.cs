using DpcPi.Cli.Commands;

namespace DpcPi.Cli.Tests;

public sealed class DoctorTests
{
    private static MachineView Machine(Dictionary<string, string> files, int fifo = 0, int gpioOpen = 0, string[]? chips = null, bool root = false, ulong memlock = 64 * 1024) =>
        new(p => files.GetValueOrDefault(p), _ => chips ?? [], () => fifo, () => gpioOpen, memlock, root);

    [Fact]
    public void Examine_TunedPi_AllOk()
    {
        var m = Machine(
            new()
            {
                ["/sys/kernel/realtime"] = "1",
                ["/sys/devices/system/cpu/isolated"] = "3",
                ["/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor"] = "performance",
                ["/proc/device-tree/model"] = "Raspberry Pi 4 Model B Rev 1.5",
            },
            chips: ["/dev/gpiochip0"],
            memlock: ulong.MaxValue);

        var findings = Doctor.Examine(m);

        Assert.All(findings, f => Assert.Equal("OK", f.Level));
        Assert.Contains(findings, f => f.Check == "board" && f.Finding.Contains("Raspberry Pi 4", StringComparison.Ordinal));
    }

    [Fact]
    public void Examine_UntunedMachine_SaysWhatToChangeAndWhy()
    {
        var m = Machine(new() { ["/proc/version"] = "Linux version 6.1.0 SMP PREEMPT_DYNAMIC", ["/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor"] = "ondemand" }, fifo: 1, gpioOpen: 13, chips: ["/dev/gpiochip0"]);

        var findings = Doctor.Examine(m).ToDictionary(f => f.Check);

        Assert.Equal("WARN", findings["kernel"].Level);
        Assert.Contains("PREEMPT_RT", findings["kernel"].Advice!, StringComparison.Ordinal);
        Assert.Contains("isolcpus", findings["isolcpus"].Advice!, StringComparison.Ordinal);
        Assert.Contains("performance", findings["governor"].Advice!, StringComparison.Ordinal);
        Assert.Equal("FAIL", findings["SCHED_FIFO"].Level);
        Assert.Contains("CAP_SYS_NICE", findings["SCHED_FIFO"].Advice!, StringComparison.Ordinal);
        Assert.Equal("FAIL", findings["gpio"].Level);
        Assert.Contains("gpio group", findings["gpio"].Advice!, StringComparison.Ordinal);
        Assert.Equal("WARN", findings["mlock"].Level);
    }

    [Fact]
    public void Examine_VirtualMachineWithSteal_WarnsWithTheStealSinceBoot()
    {
        var finding = HypervisorFinding(
            cpuinfo: "processor\t: 0\nflags\t\t: fpu vme sse2 hypervisor lahf_lm\n",
            stat: "cpu  150 0 50 700 0 0 0 100 0 0\ncpu0 100 0 25 300 0 0 0 75 0 0\ncpu1 50 0 25 400 0 0 0 25 0 0\nintr 1\n");

        Assert.Equal("WARN", finding.Level);
        Assert.Contains("10.0% of this machine's CPU time since boot", finding.Finding, StringComparison.Ordinal); // 100 of 1000 ticks
        Assert.Contains("judge a Pi's latency on the Pi", finding.Advice!, StringComparison.Ordinal);
    }

    [Fact]
    public void Examine_BareMetalWithoutStealOrFlag_IsOk()
    {
        var finding = HypervisorFinding(
            cpuinfo: "processor\t: 0\nFeatures\t: fp asimd evtstrm crc32 cpuid\n",
            stat: "cpu  150 0 50 800 0 0 0 0 0 0\ncpu0 150 0 50 800 0 0 0 0 0 0\n");

        Assert.Equal(("OK", "none detected (no steal time since boot)"), (finding.Level, finding.Finding));
    }

    [Fact]
    public void Examine_HypervisorFlagWithoutSteal_StillWarns()
    {
        var finding = HypervisorFinding(cpuinfo: "flags\t\t: fpu hypervisor\n", stat: "cpu0 10 0 0 90 0 0 0 0\n");

        Assert.Equal("WARN", finding.Level);
        Assert.Contains("0.0%", finding.Finding, StringComparison.Ordinal);
    }

    /// <summary>The hypervisor check on a machine whose /proc/cpuinfo and /proc/stat read as given.</summary>
    private static DoctorFinding HypervisorFinding(string cpuinfo, string stat) =>
        Doctor.Examine(Machine(new() { ["/proc/cpuinfo"] = cpuinfo, ["/proc/stat"] = stat })).Single(f => f.Check == "hypervisor");
}
