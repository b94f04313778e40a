using DpcPi.Cli.CommandLine;
using DpcPi.Reporting;

namespace DpcPi.Reliability.Tests;

/// <summary>
/// Every command's outputs pointed where they cannot be written: a bad path fails before the run with one line and
/// exit 2; a full device fails after it with one line and exit 6, the measurement still printed; never a stack trace.
/// </summary>
public sealed class OutputTargetTests
{
    // /proc takes no new files or folders, even for root: the read-only folder every machine has.
    private const string ReadOnly = "/proc/dpcpi-test/report";

    /// <summary>Each command with a short run and the flag that names its output.</summary>
    public static TheoryData<string[], string> Commands() => new()
    {
        { ["latency", "--source", "timer", "-l", "20", "-q", "--no-warmup", "--no-realtime"], "--json" },
        { ["latency", "--source", "timer", "-l", "20", "-q", "--no-warmup", "--no-realtime"], "--svg" },
        { ["latency", "--source", "timer", "-l", "20", "-q", "--no-warmup", "--no-realtime"], "--csv" },
        { ["latency", "--source", "timer", "-l", "20", "-q", "--no-warmup", "--no-realtime"], "--hgrm" },
        { ["latency", "--source", "timer", "-l", "20", "-q", "--no-warmup", "--no-realtime"], "--out" },
        { ["doctor"], "--json" },
        { ["bench", "--quick", "--contenders", "direct"], "--json" },
        { ["soak", "--source", "timer", "--duration", "2s", "--window", "1s", "--no-realtime"], "--json" },
    };

    [Theory]
    [MemberData(nameof(Commands))]
    public async Task Command_OutputInAReadOnlyFolder_OneLineExit2BeforeTheRun(string[] args, string flag)
    {
        var (code, output, err) = await Dpcpi.RunAsync([.. args, flag, ReadOnly]);

        Assert.Equal(ExitCodes.Usage, code);
        Dpcpi.AssertOneLine(err);
        Assert.Contains("/proc/dpcpi-test", err, StringComparison.Ordinal);
        Assert.DoesNotContain("p99", output, StringComparison.OrdinalIgnoreCase); // refused before measuring anything
    }

    [Theory]
    [MemberData(nameof(Commands))]
    public async Task Command_OutputIsAFolder_OneLineExit2NamingIt(string[] args, string flag)
    {
        if (flag == "--out")
        {
            return; // --out takes a folder
        }

        var dir = Dpcpi.TempDir();
        var (code, _, err) = await Dpcpi.RunAsync([.. args, flag, dir]);

        Assert.Equal(ExitCodes.Usage, code);
        Dpcpi.AssertOneLine(err);
        Assert.Contains("is a folder", err, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("latency", "--json")]
    [InlineData("doctor", "--json")]
    [InlineData("bench", "--json")]
    public async Task Command_EmptyPath_OneLineExit2(string command, string flag)
    {
        var (code, _, err) = await Dpcpi.RunAsync(command, flag, " ");

        Assert.Equal(ExitCodes.Usage, code);
        Dpcpi.AssertOneLine(err);
    }

    [Theory]
    [MemberData(nameof(Commands))]
    public async Task Command_OutputOnAFullDevice_PrintsTheResultThenOneLineExit6(string[] args, string flag)
    {
        if (flag == "--out" || !File.Exists("/dev/full"))
        {
            return; // --out takes a folder; /dev/full is Linux's always-full device
        }

        var (code, output, err) = await Dpcpi.RunAsync([.. args, flag, "/dev/full"]);

        Assert.Equal(ExitCodes.DiskFull, code);
        Dpcpi.AssertOneLine(err);
        Assert.Contains("no space left", err, StringComparison.Ordinal);
        Assert.False(string.IsNullOrWhiteSpace(output), "the measurement is printed before the file fails");
    }

    [Fact]
    public async Task Latency_MissingWiringFile_OneLineExit2()
    {
        var (code, _, err) = await Dpcpi.RunAsync("latency", "--source", "fake", "--wiring", "/nonexistent/wiring.json", "-l", "5");

        Assert.Equal(ExitCodes.Usage, code);
        Dpcpi.AssertOneLine(err);
        Assert.Contains("does not exist", err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Latency_OutputFolderThatCanBeCreated_WritesEveryFormat()
    {
        var dir = Path.Combine(Dpcpi.TempDir(), "new", "folder");
        var (code, _, err) = await Dpcpi.RunAsync("latency", "--source", "timer", "-l", "20", "-q", "--no-warmup", "--no-realtime", "--out", dir);

        Assert.True(code == ExitCodes.Ok, err);
        Assert.Equal(["latency-timeline.csv", "latency.csv", "latency.hgrm", "latency.json", "latency.png", "latency.svg", "latency.txt"], Directory.GetFiles(dir).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Empty(Directory.GetFiles(dir, ".*")); // no temporary file left behind
    }
}

/// <summary>OutputFile writes atomically: a failed write leaves the old file (or none), never a partial one.</summary>
public sealed class AtomicWriteTests
{
    [Fact]
    public void Write_WriterThrowsHalfway_KeepsTheOldFileAndLeavesNoTemporary()
    {
        var dir = Dpcpi.TempDir();
        var path = Path.Combine(dir, "report.json");
        File.WriteAllText(path, "old");

        Assert.Throws<InvalidOperationException>(() => OutputFile.Write(path, s =>
        {
            s.Write("new, half"u8);
            throw new InvalidOperationException("the writer failed");
        }));

        Assert.Equal("old", File.ReadAllText(path));
        Assert.Single(Directory.GetFiles(dir));
    }

    [Fact]
    public void Write_FullDevice_ThrowsDiskFullAndLeavesNothing()
    {
        if (!File.Exists("/dev/full"))
        {
            return;
        }

        var ex = Assert.Throws<OutputException>(() => OutputFile.WriteAllText("/dev/full", new string('x', 100_000)));

        Assert.True(ex.DiskFull);
        Assert.Contains("/dev/full", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Write_Succeeds_ReplacesTheFileWhole()
    {
        var dir = Dpcpi.TempDir();
        var path = Path.Combine(dir, "a.txt");
        File.WriteAllText(path, "a much longer old content");

        OutputFile.WriteAllText(path, "new");

        Assert.Equal("new", File.ReadAllText(path));
        Assert.Single(Directory.GetFiles(dir));
    }

    [Fact]
    public void Check_ExistingFileInAWritableFolder_ChangesNothing()
    {
        var dir = Dpcpi.TempDir();
        var path = Path.Combine(dir, "keep.json");
        File.WriteAllText(path, "keep");

        OutputFile.Check(path, "--json");

        Assert.Equal("keep", File.ReadAllText(path));
        Assert.Single(Directory.GetFiles(dir));
    }
}
