using DpcPi.Cli.Commands;

namespace DpcPi.Cli.Tests;

public sealed class DoctorTests
{
    private const string Arm64Cpuinfo = "processor\t: 0\nBogoMIPS\t: 125.00\nFeatures\t: fp asimd evtstrm aes pmull sha1 sha2 crc32 cpuid\nCPU implementer\t: 0x41\n";

    private const string NoSteal = "cpu  150 0 50 800 0 0 0 0 0 0\ncpu0 150 0 50 800 0 0 0 0 0 0\n";

    private static MachineView Machine(Dictionary<string, string> files, int fifo = 0, int gpioOpen = 0, string[]? chips = null, bool root = false, ulong memlock = 64 * 1024, double clockNs = 40) =>
        new(p => files.GetValueOrDefault(p), _ => chips ?? [], () => fifo, () => gpioOpen, memlock, root, () => clockNs);

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
                ["/sys/devices/system/clocksource/clocksource0/current_clocksource"] = "arch_sys_counter",
            },
            chips: ["/dev/gpiochip0"],
            memlock: ulong.MaxValue);

        var findings = Doctor.Examine(m);

        Assert.All(findings, f => Assert.Equal("OK", f.Level));
        Assert.Contains(findings, f => f.Check == "board" && f.Finding.Contains("Raspberry Pi 4", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("hpet", "tsc hpet acpi_pm", 3_200, "clocksource hpet: every timestamp is a system call, 3.2 µs per timestamp", "echo tsc | sudo tee")]
    [InlineData("acpi_pm", "acpi_pm", 850, "clocksource acpi_pm: every timestamp is a system call, 850 ns per timestamp", "compare ratios measured here")]
    public void Examine_ClocksourceReadBySystemCall_WarnsWithItsCostAndTheWayOut(string current, string available, double costNs, string finding, string advice)
    {
        var clock = Doctor.Examine(Machine(new()
        {
            ["/sys/devices/system/clocksource/clocksource0/current_clocksource"] = current,
            ["/sys/devices/system/clocksource/clocksource0/available_clocksource"] = available,
        }, clockNs: costNs)).Single(f => f.Check == "clock");

        Assert.Equal("WARN", clock.Level);
        Assert.Equal(finding, clock.Finding);
        Assert.Contains(advice, clock.Advice!, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("tsc", "OK", "clocksource tsc, read in user space: 25 ns per timestamp")]
    [InlineData(null, "INFO", "clocksource unknown (no /sys/devices/system/clocksource/clocksource0); 25 ns per timestamp")]
    public void Examine_ClocksourceInUserSpaceOrUnknown_SaysSoWithItsCost(string? current, string level, string finding)
    {
        var files = current is null ? new Dictionary<string, string>() : new() { ["/sys/devices/system/clocksource/clocksource0/current_clocksource"] = current };

        var clock = Doctor.Examine(Machine(files, clockNs: 25.2)).Single(f => f.Check == "clock");

        Assert.Equal((level, finding), (clock.Level, clock.Finding));
        Assert.Null(clock.Advice);
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

    [Fact]
    public void Examine_Arm64QemuVirtUnderTcg_WarnsNamingTheVirtBoard()
    {
        // As read in a qemu -M virt guest under TCG: no hypervisor flag, no steal, the virt board's device tree.
        var finding = HypervisorFinding(
            Arm64Cpuinfo,
            NoSteal,
            ("/proc/device-tree/compatible", "linux,dummy-virt\0"),
            ("/proc/device-tree/model", "linux,dummy-virt\0"));

        Assert.Equal("WARN", finding.Level);
        Assert.Equal("virtual machine: qemu virt board (device tree linux,dummy-virt); the host reports no steal time, so how much CPU time it takes is not known", finding.Finding);
        Assert.Contains("judge a Pi's latency on the Pi", finding.Advice!, StringComparison.Ordinal);
    }

    [Fact]
    public void Examine_DeviceTreeOnlyUnderSysFirmware_StillFindsTheVirtBoard()
    {
        var finding = HypervisorFinding(Arm64Cpuinfo, NoSteal, ("/sys/firmware/devicetree/base/compatible", "linux,dummy-virt"));

        Assert.StartsWith("virtual machine: qemu virt board (device tree linux,dummy-virt);", finding.Finding, StringComparison.Ordinal);
    }

    [Fact]
    public void Examine_XenArm64GuestWithSteal_NamesHypervisorTypeAndNodeAndTheSteal()
    {
        var finding = HypervisorFinding(
            Arm64Cpuinfo,
            "cpu  150 0 50 700 0 0 0 100 0 0\ncpu0 150 0 50 700 0 0 0 100 0 0\n",
            ("/sys/hypervisor/type", "xen"),
            ("/proc/device-tree/hypervisor/compatible", "xen,xen-4.17\0xen,xen\0"),
            ("/proc/device-tree/compatible", "xen,xenvm-4.17\0xen,xenvm\0"));

        Assert.Equal("WARN", finding.Level);
        Assert.Equal("virtual machine: /sys/hypervisor/type xen, device tree hypervisor node xen,xen-4.17; its host has taken 10.0% of this machine's CPU time since boot (steal)", finding.Finding);
    }

    [Theory]
    [InlineData("QEMU", "QEMU Virtual Machine", "DMI sys_vendor QEMU")]
    [InlineData("Amazon EC2", "m7g.large", "DMI sys_vendor Amazon EC2")]
    [InlineData("VMware, Inc.", "VMware20,1", "DMI sys_vendor VMware, Inc.")]
    [InlineData("innotek GmbH", "VirtualBox", "DMI sys_vendor innotek GmbH")]
    [InlineData("Xen", "HVM domU", "DMI sys_vendor Xen")]
    [InlineData("Microsoft Corporation", "Virtual Machine", "DMI product_name Virtual Machine")]
    [InlineData("Red Hat", "KVM", "DMI product_name KVM")]
    public void Examine_AcpiGuestDmi_WarnsNamingTheDmiField(string vendor, string product, string expected)
    {
        var finding = HypervisorFinding(Arm64Cpuinfo, NoSteal, ("/sys/class/dmi/id/sys_vendor", vendor), ("/sys/class/dmi/id/product_name", product));

        Assert.Equal("WARN", finding.Level);
        Assert.Equal($"virtual machine: {expected}; the host reports no steal time, so how much CPU time it takes is not known", finding.Finding);
    }

    [Theory]
    [InlineData("Amazon EC2", "m6g.metal")] // EC2 bare metal keeps the EC2 vendor
    [InlineData("Microsoft Corporation", "Surface Laptop 7")]
    [InlineData("Raspberry Pi Ltd", "Raspberry Pi 5")]
    public void Examine_BareMetalDmi_IsOk(string vendor, string product)
    {
        var finding = HypervisorFinding(Arm64Cpuinfo, NoSteal, ("/sys/class/dmi/id/sys_vendor", vendor), ("/sys/class/dmi/id/product_name", product));

        Assert.Equal(("OK", "none detected (no steal time since boot)"), (finding.Level, finding.Finding));
    }

    [Fact]
    public void Examine_RealRaspberryPi4_IsNotAVirtualMachine()
    {
        var m = Machine(new()
        {
            ["/proc/cpuinfo"] = Arm64Cpuinfo,
            ["/proc/stat"] = NoSteal,
            ["/proc/device-tree/model"] = "Raspberry Pi 4 Model B Rev 1.4\0",
            ["/proc/device-tree/compatible"] = "raspberrypi,4-model-b\0brcm,bcm2711\0",
        });

        var findings = Doctor.Examine(m).ToDictionary(f => f.Check);

        Assert.Equal(("OK", "none detected (no steal time since boot)"), (findings["hypervisor"].Level, findings["hypervisor"].Finding));
        Assert.Equal("OK", findings["board"].Level);
    }

    [Fact]
    public void Examine_X86GuestWithFlagAndDmi_KeepsTheFlagWording()
    {
        var finding = HypervisorFinding(
            "flags\t\t: fpu hypervisor\n",
            "cpu  150 0 50 700 0 0 0 100 0 0\ncpu0 150 0 50 700 0 0 0 100 0 0\n",
            ("/sys/class/dmi/id/sys_vendor", "QEMU"),
            ("/sys/class/dmi/id/product_name", "Standard PC (Q35 + ICH9, 2009)"));

        Assert.Equal("running in a virtual machine; its host has taken 10.0% of this machine's CPU time since boot (steal)", finding.Finding);
    }

    /// <summary>The hypervisor check on a machine whose /proc/cpuinfo, /proc/stat and any other files read as given.</summary>
    private static DoctorFinding HypervisorFinding(string cpuinfo, string stat, params (string Path, string Text)[] files)
    {
        var all = new Dictionary<string, string> { ["/proc/cpuinfo"] = cpuinfo, ["/proc/stat"] = stat };
        foreach (var (path, text) in files)
        {
            all[path] = text;
        }

        return Doctor.Examine(Machine(all)).Single(f => f.Check == "hypervisor");
    }
}
