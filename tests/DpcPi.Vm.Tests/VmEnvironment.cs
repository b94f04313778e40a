using DpcPi.Vm.Uapi;

namespace DpcPi.Vm.Tests;

/// <summary>Where the gpio-sim chip is. Set by tests/vm/guest-init.sh inside the VM; absent elsewhere, so every test skips.</summary>
public static class VmEnvironment
{
    public const string SkipReason =
        "VM-tier test: needs a gpio-sim chip (DPCPI_GPIOSIM_CHIP, DPCPI_GPIOSIM_SYSFS, DPCPI_GPIOSIM_CONFIGFS); run tests/vm/run.sh";

    public static string? Chip => Environment.GetEnvironmentVariable("DPCPI_GPIOSIM_CHIP");

    public static string? Sysfs => Environment.GetEnvironmentVariable("DPCPI_GPIOSIM_SYSFS");

    public static string? ConfigFs => Environment.GetEnvironmentVariable("DPCPI_GPIOSIM_CONFIGFS");

    public static bool Available =>
        !string.IsNullOrEmpty(Chip) && File.Exists(Chip) && !string.IsNullOrEmpty(Sysfs) && Directory.Exists(Sysfs)
        && !string.IsNullOrEmpty(ConfigFs) && Directory.Exists(ConfigFs);

    /// <summary>Skips the calling test unless it runs inside the VM tier.</summary>
    public static void Require()
    {
        if (Available)
        {
            return;
        }

        var missing = new List<string>();
        if (string.IsNullOrEmpty(Chip) || !File.Exists(Chip))
        {
            missing.Add($"chip '{Chip}'");
        }

        if (string.IsNullOrEmpty(Sysfs) || !Directory.Exists(Sysfs))
        {
            missing.Add($"sysfs '{Sysfs}'");
        }

        if (string.IsNullOrEmpty(ConfigFs) || !Directory.Exists(ConfigFs))
        {
            missing.Add($"configfs '{ConfigFs}'");
        }

        Assert.Skip(SkipReason + " [missing: " + string.Join(", ", missing) + "]");
    }

    public static string PullFile(int line) => Path.Combine(Sysfs!, $"sim_gpio{line}", "pull");

    /// <summary>Writes a sysfs/configfs attribute without O_TRUNC/O_CREAT.</summary>
    public static void WriteAttribute(string path, string value)
    {
        using var fs = new FileStream(path, FileMode.Open, FileAccess.Write);
        var bytes = System.Text.Encoding.ASCII.GetBytes(value);
        fs.Write(bytes);
    }

    /// <summary>Takes a configfs gpio-sim chip down (if still live) and removes its directories.</summary>
    public static void RemoveSimChip(string dir)
    {
        var live = Path.Combine(dir, "live");
        if (File.Exists(live) && File.ReadAllText(live).Trim() == "1")
        {
            WriteAttribute(live, "0");
        }

        var bank = Path.Combine(dir, "bank0");
        if (Directory.Exists(bank))
        {
            Directory.Delete(bank);
        }

        if (Directory.Exists(dir))
        {
            Directory.Delete(dir);
        }
    }

    /// <summary>Drains every queued event (until the line stays quiet for <paramref name="quietMs"/>).</summary>
    public static List<LineEvent> Drain(VmLineRequest request, int quietMs)
    {
        var all = new List<LineEvent>();
        var buf = new LineEvent[64];
        int n;
        while ((n = request.ReadEvents(buf, quietMs)) > 0)
        {
            all.AddRange(buf.AsSpan(0, n).ToArray());
        }

        return all;
    }
}

/// <summary>Edge accounting: what the kernel delivered versus what was driven.</summary>
/// <remarks>
/// lost = line_seqno gaps (events the kernel produced, then dropped from a full buffer: drop-oldest);
/// merged = edges the kernel never turned into an event at all (an edge arriving while the line's irq was
/// still pending/being handled) = generated - last line_seqno; so delivered + lost + merged = generated.
/// SameDirectionPairs counts two equal edge ids in a row without a seqno gap: with both edges enabled the
/// kernel derives the id from the level its irq thread reads, so under bursts this is NOT a merge count
/// (it over-counts); it is reported for comparison only.
/// </remarks>
public sealed record EdgeAccount(int Generated, int Delivered, long Lost, long Merged, long SameDirectionPairs, uint LastSeqno, bool LastIsRising)
{
    public static EdgeAccount From(IReadOnlyList<LineEvent> events, int generated)
    {
        uint last = 0;
        long lost = 0, pairs = 0;
        bool? lastRising = null;
        foreach (var e in events)
        {
            var rising = e.Id == LineEvent.RisingEdge;
            if (e.LineSeqno > last + 1)
            {
                lost += e.LineSeqno - last - 1;
            }
            else if (rising == lastRising)
            {
                pairs++;
            }

            last = e.LineSeqno;
            lastRising = rising;
        }

        return new EdgeAccount(generated, events.Count, lost, generated - (long)last, pairs, last, lastRising ?? false);
    }

    public override string ToString() =>
        $"generated={Generated} delivered={Delivered} lost={Lost} merged={Merged} (same-direction pairs {SameDirectionPairs}) last line_seqno={LastSeqno} last={(LastIsRising ? "rising" : "falling")}";
}
