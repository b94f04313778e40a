namespace DpcPi.Cli.Tests;

public sealed class BenchCommandTests
{
    [Theory]
    [InlineData(new[] { "bench", "--contenders", "dpc-blocking,carrier-pigeon" }, "dpcpi bench: --contenders: 'carrier-pigeon' is not a contender; allowed: ")]
    [InlineData(new[] { "bench", "-p", "0" }, "dpcpi bench: -p/--priority '0' is not valid; allowed: a whole number from 1 to 99")]
    [InlineData(new[] { "bench", "-i", "5" }, "dpcpi bench: -i/--interval '5' is not valid; allowed: a whole number from 50 to 1000000")]
    [InlineData(new[] { "bench", "--fast" }, "dpcpi bench: unknown option '--fast' (see 'dpcpi bench --help')")]
    [InlineData(new[] { "bench", "--rounds", "0" }, "dpcpi bench: --rounds '0' is not valid; allowed: a whole number from 1 to 100")]
    public async Task Bench_BadFlag_OneLineErrorAndExit2(string[] args, string message)
    {
        var (code, _, err) = await CliRunner.RunAsync(args);

        Assert.Equal(2, code);
        Assert.Single(err.TrimEnd('\n').Split('\n'));
        Assert.StartsWith(message, err, StringComparison.Ordinal);
    }
}
