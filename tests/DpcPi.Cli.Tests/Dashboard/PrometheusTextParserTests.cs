namespace DpcPi.Cli.Tests.Dashboard;

public sealed class PrometheusTextParserTests
{
    [Fact]
    public void Parse_ValidHistogramAndEscapes_ReadsFamilies()
    {
        var text = "# HELP a_total A \\\\ help.\n# TYPE a_total counter\na_total{x=\"q\\\"\\n\\\\\"} 3\n" +
            "# TYPE h histogram\nh_bucket{le=\"0.1\"} 1\nh_bucket{le=\"+Inf\"} 2\nh_sum 0.3\nh_count 2\n";

        var f = PrometheusTextParser.Parse(text);

        Assert.Equal("q\"\n\\", f["a_total"].Samples.Single().Labels["x"]);
        Assert.Equal("A \\ help.", f["a_total"].Help);
        Assert.Equal(4, f["h"].Samples.Count);
    }

    [Theory]
    [InlineData("# TYPE a_total counter\n# TYPE a_total counter\na_total 1\n")]
    [InlineData("a_total 1\n# TYPE a_total counter\n")]
    [InlineData("# TYPE a counter\na 1\n")]
    [InlineData("# TYPE 1a gauge\n")]
    [InlineData("# TYPE a gauge\na{1x=\"v\"} 1\n")]
    [InlineData("# TYPE a gauge\na{x=\"\\t\"} 1\n")]
    [InlineData("# TYPE a gauge\na one\n")]
    [InlineData("# TYPE a gauge\na 1")]
    [InlineData("# TYPE a gauge\na 1\n# TYPE b gauge\nb 1\na 2\n")]
    [InlineData("# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\nh_sum 1\nh_count 1\n")]
    [InlineData("# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_bucket{le=\"+Inf\"} 2\nh_sum 1\nh_count 3\n")]
    [InlineData("# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_sum 1\nh_count 1\n")]
    [InlineData("# TYPE h histogram\nh_bucket{le=\"2\"} 1\nh_bucket{le=\"1\"} 1\nh_bucket{le=\"+Inf\"} 1\nh_sum 1\nh_count 1\n")]
    [InlineData("# TYPE a gauge\na 1\na 2\n")]
    public void Parse_InvalidExposition_Throws(string text) =>
        Assert.Throws<FormatException>(() => PrometheusTextParser.Parse(text));
}
