using System.Diagnostics;
using System.Globalization;
using DpcPi.Gpio;
using DpcPi.Measurement;

namespace DpcPi.Measurement.Tests;

/// <summary>The stimulus process, compiled from src/DpcPi.Stimulus as the build does, driving a plain file in place of a gpio-sim pull file.</summary>
public sealed class ExternalStimulusTests : IClassFixture<ExternalStimulusTests.CompiledHelper>
{
    private readonly string _exe;

    public ExternalStimulusTests(CompiledHelper helper) => _exe = helper.Path;

    [Fact]
    public void Start_CountedRun_MakesExactlyThatManyEdgesAndEndsLow()
    {
        using var pull = new TempFile();
        using var stimulus = ExternalStimulus.Start(_exe, pull.Path, null, 0, intervalNs: 1_000_000, edges: 20);

        Assert.True(stimulus.WaitForExit(TimeSpan.FromSeconds(30)));

        Assert.Equal(20, stimulus.Generated);
        Assert.StartsWith("pull-down", File.ReadAllText(pull.Path), StringComparison.Ordinal); // 20 toggles from low
    }

    [Fact]
    public void Start_RelativeInterval_NeverWritesTwoEdgesCloserThanTheInterval()
    {
        using var pull = new TempFile();
        using var stimulus = ExternalStimulus.Start(_exe, pull.Path, null, 0, intervalNs: 2_000_000, edges: 50);
        Assert.True(stimulus.WaitForExit(TimeSpan.FromSeconds(30)));

        // Sleep, then write: however late a wake-up, the next edge is a whole interval after it.
        var gapMin = Field(stimulus.Summary!, "gap_min_ns");
        Assert.True(gapMin >= 2_000_000, stimulus.Summary);
    }

    [Fact]
    public void Stop_OpenEndedRun_ReportsTheEdgesMadeUntilThen()
    {
        using var pull = new TempFile();
        using var stimulus = ExternalStimulus.Start(_exe, pull.Path, null, 0, intervalNs: 500_000, edges: 0);
        var watch = Stopwatch.StartNew();
        while (new FileInfo(pull.Path).Length == 0 && watch.Elapsed < TimeSpan.FromSeconds(20))
        {
            Thread.Sleep(10);
        }

        Assert.False(stimulus.HasExited);
        stimulus.Stop();

        Assert.True(stimulus.HasExited);
        Assert.InRange(stimulus.Generated, 1, 1_000_000);
    }

    [Fact]
    public void Stop_AfterDispose_DoesNothingAndKeepsTheCount()
    {
        // The service's stop path ran Stop after the source was disposed: "No process is associated" and a stack trace.
        using var pull = new TempFile();
        var stimulus = ExternalStimulus.Start(_exe, pull.Path, null, 0, intervalNs: 1_000_000, edges: 10);
        Assert.True(stimulus.WaitForExit(TimeSpan.FromSeconds(30)));
        stimulus.Dispose();

        stimulus.Stop();
        stimulus.Dispose();

        Assert.True(stimulus.HasExited);
        Assert.Equal(10, stimulus.Generated);
    }

    [Fact]
    public void Start_TargetThatCannotBeOpened_ExitsWithItsErrorAsSummary()
    {
        using var stimulus = ExternalStimulus.Start(_exe, "/nonexistent/dir/pull", null, 0, intervalNs: 1_000_000, edges: 5);
        Assert.True(stimulus.WaitForExit(TimeSpan.FromSeconds(30)));

        Assert.Equal(0, stimulus.Generated);
        Assert.Contains("cannot open /nonexistent/dir/pull", stimulus.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void Locate_MissingHelper_ThrowsOneLineGpioExceptionThatSaysHowToGetIt()
    {
        var ex = Assert.Throws<GpioException>(() => ExternalStimulus.Locate("/nonexistent/dpcpi-stimulus"));

        Assert.Contains("--stimulus PATH", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', ex.Message);
    }

    [Theory]
    [InlineData("STIMULUS: generated=1500 interval_us=1000 gap_min_ns=1", 1500L)]
    [InlineData("STIMULUS: generated=7", 7L)]
    [InlineData("dpcpi-stimulus: cannot open x", null)]
    [InlineData("STIMULUS: generated=x1", null)]
    public void ParseGenerated_Line_ReadsTheCount(string line, long? expected) =>
        Assert.Equal(expected, ExternalStimulus.ParseGenerated(line));

    private static long Field(string summary, string key)
    {
        var at = summary.IndexOf(key + "=", StringComparison.Ordinal);
        Assert.True(at >= 0, summary);
        var rest = summary[(at + key.Length + 1)..];
        var end = rest.IndexOf(' ', StringComparison.Ordinal);
        return long.Parse(end < 0 ? rest : rest[..end], CultureInfo.InvariantCulture);
    }

    private sealed class TempFile : IDisposable
    {
        public string Path { get; } = System.IO.Path.GetTempFileName();

        public void Dispose() => File.Delete(Path);
    }

    /// <summary>dpcpi-stimulus compiled once for the class with gcc, as the CLI's build does.</summary>
    public sealed class CompiledHelper : IDisposable
    {
        private readonly string _dir = Directory.CreateTempSubdirectory("dpcpi-stimulus-test").FullName;

        public CompiledHelper()
        {
            Path = System.IO.Path.Combine(_dir, ExternalStimulus.FileName);
            using var gcc = Process.Start(new ProcessStartInfo("gcc", ["-O2", "-Wall", "-Werror", "-o", Path, RepoPaths.StimulusSource]) { RedirectStandardError = true })!;
            var errors = gcc.StandardError.ReadToEnd();
            gcc.WaitForExit();
            Assert.True(gcc.ExitCode == 0, $"gcc could not build {RepoPaths.StimulusSource}: {errors}");
        }

        public string Path { get; }

        public void Dispose() => Directory.Delete(_dir, recursive: true);
    }
}
