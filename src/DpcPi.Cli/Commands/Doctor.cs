using DpcPi.Gpio;
using DpcPi.Platform;

namespace DpcPi.Cli.Commands;

/// <summary>One doctor check's result.</summary>
internal sealed record DoctorFinding(string Level, string Check, string Finding, string? Advice);

/// <summary>What the doctor may look at; tests hand it a fake machine.</summary>
internal sealed record MachineView(Func<string, string?> ReadFile, Func<string, IReadOnlyList<string>> ListDevices, Func<int> TryRealtime, Func<int> TryOpenGpio, ulong MemlockLimit, bool IsRoot, Func<double> ClockReadNs);

/// <summary>The checks behind `dpcpi doctor`, each with the reason it matters for latency.</summary>
internal static class Doctor
{
    /// <summary>Guests' DMI sys_vendor prefixes. Not "Microsoft Corporation": Surface laptops carry it too; Hyper-V shows in product_name.</summary>
    private static readonly string[] VmVendors = ["QEMU", "KVM", "Xen", "VMware", "innotek GmbH", "Parallels", "BHYVE", "Bochs", "Amazon EC2"];

    /// <summary>Guests' DMI product_name prefixes.</summary>
    private static readonly string[] VmProducts = ["KVM", "QEMU", "VirtualBox", "Virtual Machine", "VMware", "HVM domU", "Google Compute Engine", "OpenStack", "BHYVE", "Bochs", "Parallels"];

    public static MachineView RealMachine() => new(
        path =>
        {
            try
            {
                return File.Exists(path) ? File.ReadAllText(path).Trim('\0', '\n', ' ') : null;
            }
            catch (IOException)
            {
                return null;
            }
            catch (UnauthorizedAccessException)
            {
                return null;
            }
        },
        dir => Directory.Exists(dir) ? Directory.GetFiles(dir, "gpiochip*").Order().ToArray() : [],
        () =>
        {
            var result = -1;
            var t = new Thread(() =>
            {
                result = ThreadControl.SetRealtime(1);
                _ = ThreadControl.SetNormal();
            });
            t.Start();
            t.Join();
            return result;
        },
        () =>
        {
            foreach (var chip in Directory.Exists("/dev") ? Directory.GetFiles("/dev", "gpiochip*") : [])
            {
                try
                {
                    using var fd = FileDescriptorHandle.Open(chip, 0);
                    return 0;
                }
                catch (PlatformException ex)
                {
                    return ex.Errno;
                }
            }

            return Errnos.ENOENT;
        },
        ThreadControl.MemoryLockLimit(),
        Environment.UserName == "root",
        () => MonotonicClock.ReadCostNs());

    public static IReadOnlyList<DoctorFinding> Examine(MachineView m)
    {
        var list = new List<DoctorFinding>();
        var version = m.ReadFile("/proc/version") ?? string.Empty;
        var rt = m.ReadFile("/sys/kernel/realtime") == "1" || version.Contains("PREEMPT_RT", StringComparison.Ordinal);
        list.Add(rt
            ? new("OK", "kernel", "PREEMPT_RT kernel", null)
            : new("WARN", "kernel", "not a PREEMPT_RT kernel", "install a PREEMPT_RT kernel (Raspberry Pi OS: linux-image-rpi-v8-rt or build with CONFIG_PREEMPT_RT); without it, interrupts-off sections in the kernel add hundreds of µs to the worst case"));

        var isolated = m.ReadFile("/sys/devices/system/cpu/isolated") ?? string.Empty;
        list.Add(isolated.Length > 0
            ? new("OK", "isolcpus", $"isolated CPUs: {isolated}", null)
            : new("WARN", "isolcpus", "no isolated CPUs", "add isolcpus=3 nohz_full=3 rcu_nocbs=3 to cmdline.txt and run DpcPi's ISR and DPC threads there (-a 3), so no other task or tick preempts them"));

        var governor = m.ReadFile("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor");
        list.Add(governor switch
        {
            null => new("INFO", "governor", "no cpufreq (virtual machine or fixed clock)", null),
            "performance" => new("OK", "governor", "performance", null),
            _ => new("WARN", "governor", $"cpufreq governor is '{governor}'", "echo performance | sudo tee /sys/devices/system/cpu/cpu*/cpufreq/scaling_governor — frequency ramps add latency after idle periods"),
        });

        var fifo = m.TryRealtime();
        list.Add(fifo == 0
            ? new("OK", "SCHED_FIFO", "permitted", null)
            : new("FAIL", "SCHED_FIFO", $"refused ({ThreadControl.Describe(fifo)})", "grant CAP_SYS_NICE (the systemd unit's AmbientCapabilities does) or raise RLIMIT_RTPRIO in /etc/security/limits.conf; without it DpcPi runs SCHED_OTHER and its latency is unbounded"));

        list.Add(m.IsRoot || m.MemlockLimit == ulong.MaxValue || m.MemlockLimit >= 256UL << 20
            ? new("OK", "mlock", "memory can be locked", null)
            : new("WARN", "mlock", $"RLIMIT_MEMLOCK is {m.MemlockLimit / 1024} KiB", "grant CAP_IPC_LOCK or LimitMEMLOCK=infinity so -m/--mlockall can keep page faults out of the measurement"));

        var chips = m.ListDevices("/dev");
        if (chips.Count == 0)
        {
            list.Add(new("WARN", "gpio", "no /dev/gpiochip* on this machine", "on a Pi, check the kernel has CONFIG_GPIO_CDEV; elsewhere use --source fake or --source timer"));
        }
        else
        {
            var open = m.TryOpenGpio();
            list.Add(open == 0
                ? new("OK", "gpio", $"{chips.Count} chip(s), accessible: {string.Join(", ", chips.Select(Path.GetFileName))}", null)
                : new("FAIL", "gpio", $"{chips[0]} cannot be opened ({ThreadControl.Describe(open)})", "add the user to the gpio group (sudo usermod -aG gpio $USER) and log in again"));
        }

        list.Add(Hypervisor(m));
        list.Add(Clock(m));

        var board = BoardCatalog.FromModelString(m.ReadFile("/proc/device-tree/model") ?? m.ReadFile("/sys/firmware/devicetree/base/model") ?? string.Empty);
        list.Add(board is null
            ? new("INFO", "board", "not a Raspberry Pi (or model not recognised): the fake backend and the timer source still work", null)
            : new("OK", "board", $"{board.DisplayName}, GPIO chip label {board.ChipLabel}", null));
        return list;
    }

    /// <summary>Clocksources whose reads the vDSO serves in user space, without a system call.</summary>
    private static readonly string[] UserSpaceClocksources = ["tsc", "arch_sys_counter", "arch_mem_counter", "kvm-clock", "hyperv_clocksource_tsc_page", "riscv_clocksource"];

    private const string ClocksourceDir = "/sys/devices/system/clocksource/clocksource0";

    /// <summary>
    /// The clocksource behind every timestamp: the kernel's edge stamps and each of the five a DpcPi interrupt takes
    /// (ISR entry and exit, DPC queued, start and end). One read in user space costs tens of ns; one that is a
    /// system call (hpet, acpi_pm: what an emulated x86 guest often falls back to) costs microseconds, and each
    /// stage's figure then carries it.
    /// </summary>
    private static DoctorFinding Clock(MachineView m)
    {
        var source = m.ReadFile($"{ClocksourceDir}/current_clocksource");
        var cost = m.ClockReadNs();
        var costText = cost < 1_000
            ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{cost:0} ns per timestamp")
            : string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{cost / 1_000:0.0} µs per timestamp");
        if (source is null)
        {
            return new("INFO", "clock", $"clocksource unknown (no {ClocksourceDir}); {costText}", null);
        }

        if (UserSpaceClocksources.Contains(source, StringComparer.Ordinal))
        {
            return new("OK", "clock", $"clocksource {source}, read in user space: {costText}", null);
        }

        var available = (m.ReadFile($"{ClocksourceDir}/available_clocksource") ?? string.Empty).Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var better = available.FirstOrDefault(a => UserSpaceClocksources.Contains(a, StringComparer.Ordinal));
        return new("WARN", "clock", $"clocksource {source}: every timestamp is a system call, {costText}",
            better is not null
                ? $"echo {better} | sudo tee {ClocksourceDir}/current_clocksource (the kernel chose {source}, perhaps because it found {better} unstable); each stage of an interrupt is stamped, so each pays this"
                : $"no user-space clocksource is available (available: {(available.Length == 0 ? "unknown" : string.Join(' ', available))}); each stage of an interrupt is stamped and pays this, so compare ratios measured here, not absolute times");
    }

    /// <summary>
    /// A virtual machine (the x86 "hypervisor" CPU flag, steal time since boot, or what arm64 and other guests show:
    /// /sys/hypervisor, the device tree, DMI): its latency figures include the host's delays. The steal since boot says
    /// how much of its CPU time the host has given to others so far.
    /// </summary>
    private static DoctorFinding Hypervisor(MachineView m)
    {
        var flagged = (m.ReadFile("/proc/cpuinfo") ?? string.Empty)
            .Split('\n')
            .Any(l => l.StartsWith("flags", StringComparison.Ordinal) && l.Split(' ', '\t').Contains("hypervisor"));
        var sinceBoot = m.ReadFile("/proc/stat") is { } stat ? CpuTimes.Parse(stat, cpus: null) : null;
        var steal = sinceBoot?.StealPercent ?? 0;
        var stolen = sinceBoot?.StealTicks is > 0;
        var stealText = string.Create(System.Globalization.CultureInfo.InvariantCulture, $"its host has taken {steal:0.0}% of this machine's CPU time since boot (steal)");

        // The x86 flag keeps its wording; the other evidence is only looked at (and named) where the flag is absent.
        var evidence = flagged ? [] : VirtualMachineEvidence(m);
        if (!flagged && !stolen && evidence.Count == 0)
        {
            return new("OK", "hypervisor", sinceBoot is null ? "none detected" : "none detected (no steal time since boot)", null);
        }

        return new(
            "WARN",
            "hypervisor",
            evidence.Count == 0
                ? $"running in a virtual machine; {stealText}"
                : $"virtual machine: {string.Join(", ", evidence)}; {(stolen ? stealText : "the host reports no steal time, so how much CPU time it takes is not known")}",
            "latency measured here includes the host's delays, and `dpcpi latency` and `dpcpi bench` print each run's steal; judge a Pi's latency on the Pi");
    }

    /// <summary>
    /// What marks a guest without the x86 flag (arm64 has none), each named as seen. Emulation (qemu's TCG) reports no
    /// steal either, so these files are the only sign there.
    /// </summary>
    private static List<string> VirtualMachineEvidence(MachineView m)
    {
        var found = new List<string>();
        if (m.ReadFile("/sys/hypervisor/type") is { Length: > 0 } type)
        {
            found.Add($"/sys/hypervisor/type {type}"); // Xen guests (and dom0, which Xen schedules too)
        }

        if (DeviceTree(m, "hypervisor/compatible") is [var hv, ..])
        {
            found.Add($"device tree hypervisor node {hv}"); // KVM and Xen device-tree guests
        }

        if (DeviceTree(m, "compatible").Contains("linux,dummy-virt"))
        {
            found.Add("qemu virt board (device tree linux,dummy-virt)"); // qemu -M virt, and the VMMs that copy its board
        }

        if (Dmi(m) is { } dmi)
        {
            found.Add(dmi);
        }

        return found;
    }

    /// <summary>A device tree property's strings (it holds NUL-separated lists); empty without a device tree.</summary>
    private static string[] DeviceTree(MachineView m, string property) =>
        (m.ReadFile("/proc/device-tree/" + property) ?? m.ReadFile("/sys/firmware/devicetree/base/" + property) ?? string.Empty)
            .Split('\0', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>"DMI sys_vendor QEMU" where ACPI/UEFI firmware names a hypervisor's machine; null otherwise.</summary>
    private static string? Dmi(MachineView m)
    {
        var vendor = m.ReadFile("/sys/class/dmi/id/sys_vendor");
        var product = m.ReadFile("/sys/class/dmi/id/product_name");
        if (product?.EndsWith(".metal", StringComparison.Ordinal) == true)
        {
            return null; // EC2 bare-metal instances keep sys_vendor "Amazon EC2"
        }

        return vendor is not null && VmVendors.Any(v => vendor.StartsWith(v, StringComparison.Ordinal)) ? $"DMI sys_vendor {vendor}"
            : product is not null && VmProducts.Any(v => product.StartsWith(v, StringComparison.Ordinal)) ? $"DMI product_name {product}"
            : null;
    }
}
