using DpcPi.Gpio;
using DpcPi.Platform;

namespace DpcPi.Cli.Commands;

/// <summary>One doctor check's result.</summary>
internal sealed record DoctorFinding(string Level, string Check, string Finding, string? Advice);

/// <summary>What the doctor may look at; tests hand it a fake machine.</summary>
internal sealed record MachineView(Func<string, string?> ReadFile, Func<string, IReadOnlyList<string>> ListDevices, Func<int> TryRealtime, Func<int> TryOpenGpio, ulong MemlockLimit, bool IsRoot);

/// <summary>The checks behind `dpcpi doctor`, each with the reason it matters for latency.</summary>
internal static class Doctor
{
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
        Environment.UserName == "root");

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

        var board = BoardCatalog.FromModelString(m.ReadFile("/proc/device-tree/model") ?? m.ReadFile("/sys/firmware/devicetree/base/model") ?? string.Empty);
        list.Add(board is null
            ? new("INFO", "board", "not a Raspberry Pi (or model not recognised): the fake backend and the timer source still work", null)
            : new("OK", "board", $"{board.DisplayName}, GPIO chip label {board.ChipLabel}", null));
        return list;
    }

    /// <summary>
    /// A virtual machine (the x86 "hypervisor" CPU flag, or steal time since boot): its latency figures include the
    /// host's delays. The steal since boot says how much of its CPU time the host has given to others so far.
    /// </summary>
    private static DoctorFinding Hypervisor(MachineView m)
    {
        var flagged = (m.ReadFile("/proc/cpuinfo") ?? string.Empty)
            .Split('\n')
            .Any(l => l.StartsWith("flags", StringComparison.Ordinal) && l.Split(' ', '\t').Contains("hypervisor"));
        var sinceBoot = m.ReadFile("/proc/stat") is { } stat ? CpuTimes.Parse(stat, cpus: null) : null;
        var steal = sinceBoot?.StealPercent ?? 0;
        if (!flagged && sinceBoot?.StealTicks is null or 0)
        {
            return new("OK", "hypervisor", sinceBoot is null ? "none detected" : "none detected (no steal time since boot)", null);
        }

        return new(
            "WARN",
            "hypervisor",
            string.Create(System.Globalization.CultureInfo.InvariantCulture, $"running in a virtual machine; its host has taken {steal:0.0}% of this machine's CPU time since boot (steal)"),
            "latency measured here includes the host's delays, and `dpcpi latency` and `dpcpi bench` print each run's steal; judge a Pi's latency on the Pi");
    }
}
