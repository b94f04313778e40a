using DpcPi.Cli.CommandLine;
using DpcPi.Cli.Hosting;
using Microsoft.Extensions.Configuration;

namespace DpcPi.Cli.Tests.Dashboard;

public sealed class DashboardConfigTests
{
    [Fact]
    public void Validate_NoDashboardKeys_DefaultsToLoopback8642()
    {
        var settings = ConfigValidator.Validate(Config(), [0, 1]);

        Assert.True(settings.Dashboard.Enabled);
        Assert.Equal("127.0.0.1", settings.Dashboard.Address.ToString());
        Assert.Equal(8642, settings.Dashboard.Port);
        Assert.Null(settings.Metrics.OtlpEndpoint);
    }

    [Theory]
    [InlineData("Dashboard:Port", "70000", "dpcpi run: configuration Dashboard:Port = 70000 is not valid; allowed: 0-65535")]
    [InlineData("Dashboard:Enabled", "yes", "dpcpi run: configuration Dashboard:Enabled = yes is not valid; allowed: true, false")]
    [InlineData("Dashboard:Address", "example.org", "dpcpi run: configuration Dashboard:Address = example.org is not valid; allowed: an IP address to listen on (127.0.0.1, ::1, 0.0.0.0 for every interface) or localhost")]
    [InlineData("Dashboard:Prot", "1", "dpcpi run: configuration Dashboard:Prot is not a known setting; allowed: Enabled, Address, Port, Prometheus")]
    [InlineData("Dashboard:Prometheus", "127.0.0.1:9090", "dpcpi run: configuration Dashboard:Prometheus = 127.0.0.1:9090 is not valid; allowed: the base URL of a Prometheus server, http:// or https:// with no query (e.g. http://127.0.0.1:9090)")]
    [InlineData("Dashboard:Prometheus", "ftp://lab:9090", "dpcpi run: configuration Dashboard:Prometheus = ftp://lab:9090 is not valid; allowed: the base URL of a Prometheus server, http:// or https:// with no query (e.g. http://127.0.0.1:9090)")]
    [InlineData("Dashboard:Prometheus", "http://lab:9090/?x=1", "dpcpi run: configuration Dashboard:Prometheus = http://lab:9090/?x=1 is not valid; allowed: the base URL of a Prometheus server, http:// or https:// with no query (e.g. http://127.0.0.1:9090)")]
    [InlineData("Source:FakeLatencyUs", "-1", "dpcpi run: configuration Source:FakeLatencyUs = -1 is not valid; allowed: 0-1000000")]
    [InlineData("Source:FakeLatencyUs", "100", "dpcpi run: configuration Source:FakeLatencyUs = 100 is not valid; allowed: only with the fake source")]
    [InlineData("Metrics:Otlp:Endpoint", "localhost:4317", "dpcpi run: configuration Metrics:Otlp:Endpoint = localhost:4317 is not valid; allowed: an absolute http:// or https:// URL (e.g. http://127.0.0.1:4317)")]
    [InlineData("Metrics:Otlp:Protocol", "udp", "dpcpi run: configuration Metrics:Otlp:Protocol = udp is not valid; allowed: grpc, http/protobuf")]
    [InlineData("Metrics:Prometheus", "1", "dpcpi run: configuration Metrics:Prometheus is not a known setting; allowed: Otlp")]
    public void Validate_BadDashboardOrMetricsKey_OneLineError(string key, string value, string expected)
    {
        var ex = Assert.Throws<CliException>(() => ConfigValidator.Validate(Config((key, value)), [0, 1]));

        Assert.Equal(expected, ex.Message);
        Assert.DoesNotContain('\n', ex.Message);
    }

    [Fact]
    public void Validate_GoodDashboardAndOtlpKeys_Parsed()
    {
        var settings = ConfigValidator.Validate(Config(("Dashboard:Enabled", "false"), ("Dashboard:Address", "0.0.0.0"), ("Dashboard:Port", "0"), ("Metrics:Otlp:Endpoint", "http://127.0.0.1:4318/v1/metrics"), ("Metrics:Otlp:Protocol", "http/protobuf")), [0, 1]);

        Assert.False(settings.Dashboard.Enabled);
        Assert.Equal("0.0.0.0", settings.Dashboard.Address.ToString());
        Assert.Equal(0, settings.Dashboard.Port);
        Assert.Equal(new Uri("http://127.0.0.1:4318/v1/metrics"), settings.Metrics.OtlpEndpoint);
        Assert.True(settings.Metrics.OtlpHttp);
    }

    [Theory]
    [InlineData("http://127.0.0.1:9090", "http://127.0.0.1:9090/")]
    [InlineData("https://lab.example/prometheus", "https://lab.example/prometheus/")]
    public void Validate_PrometheusUrl_KeptAsBaseWithTrailingSlash(string value, string expected)
    {
        var settings = ConfigValidator.Validate(Config(("Dashboard:Prometheus", value)), [0, 1]);

        Assert.Equal(new Uri(expected), settings.Dashboard.Prometheus);
    }

    [Fact]
    public void Validate_FakeLatencyWithFakeSource_InNanoseconds()
    {
        var settings = ConfigValidator.Validate(Config(("Source:Kind", "fake"), ("Source:FakeLatencyUs", "250")), [0, 1]);

        Assert.Equal(250_000, settings.Session.FakeLatencyNs);
        Assert.Null(ConfigValidator.Validate(Config(), [0, 1]).Dashboard.Prometheus);
    }

    private static IConfiguration Config(params (string Key, string Value)[] pairs) =>
        new ConfigurationBuilder().AddInMemoryCollection(pairs.Select(p => KeyValuePair.Create(p.Key, (string?)p.Value))).Build();
}
