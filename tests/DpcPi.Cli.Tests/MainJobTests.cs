using DpcPi.Cli.CommandLine;

namespace DpcPi.Cli.Tests;

/// <summary>`dpcpi` with no arguments runs the main job, the wrapper script and `dotnet dpcpi.dll` alike.</summary>
public sealed class MainJobTests
{
    [Fact]
    public void MainJob_NoPi_IsAShortFakeLatencyRun() =>
        Assert.Equal(["latency", "--source", "fake", "-D", "5s", "-i", "1000"], CliApp.MainJob(onRaspberryPi: false));

    [Fact]
    public void MainJob_OnAPi_UsesTheLoopbackJumper() =>
        Assert.Equal("gpio", CliApp.MainJob(onRaspberryPi: true)[2]);

    [Fact]
    public async Task Run_NoArguments_RunsTheMainJobAndExits0()
    {
        var (code, output, err) = await CliRunner.RunAsync();

        Assert.True(code == ExitCodes.Ok, err);
        Assert.Contains("the main job", output, StringComparison.Ordinal);
        Assert.Contains("edge", output, StringComparison.OrdinalIgnoreCase); // the latency report's stages
    }
}

/// <summary>The live view ends with its run: nothing writes to the output after the command returned.</summary>
public sealed class LiveViewTests
{
    [Fact]
    public async Task Latency_LiveView_WritesNothingAfterTheCommandReturned()
    {
        using var output = new ClosableWriter();
        using var error = new StringWriter();

        var code = await CliApp.RunAsync(["latency", "--source", "timer", "-D", "1500ms", "--no-warmup", "--no-realtime"], output, error, TestContext.Current.CancellationToken);
        output.Close();
        await Task.Delay(2500, TestContext.Current.CancellationToken); // a second tick of a view still running would write

        Assert.Equal(ExitCodes.Ok, code);
        Assert.Contains("T:", output.Text, StringComparison.Ordinal); // the view did run
        Assert.Equal(0, output.WritesAfterClose);
    }

    private sealed class ClosableWriter : StringWriter
    {
        private volatile bool _closed;

        public int WritesAfterClose { get; private set; }

        public string Text => ToString();

        public override void Close() => _closed = true;

        public override void Write(char value)
        {
            if (_closed)
            {
                WritesAfterClose++;
                return;
            }

            base.Write(value);
        }

        public override void Write(string? value)
        {
            if (_closed)
            {
                WritesAfterClose++;
                return;
            }

            base.Write(value);
        }
    }
}
