using System.Xml.Linq;
using DpcPi.Gpio;
using DpcPi.Labs.Wiring;

namespace DpcPi.Labs.Tests;

public sealed class WiringRendererTests
{
    public static TheoryData<string> WiringFiles()
    {
        var data = new TheoryData<string>();
        foreach (var file in WiringRenderer.FindWiringFiles(RepoPaths.WiringRoot))
        {
            data.Add(Path.GetFileName(Path.GetDirectoryName(file)!));
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(WiringFiles))]
    public void CommittedSvg_ComparedWithRenderer_IsIdentical(string lab)
    {
        var json = Path.Combine(RepoPaths.WiringRoot, lab, "wiring.json");
        var svgPath = WiringRenderer.SvgPathFor(json);

        if (Environment.GetEnvironmentVariable("DPCPI_WRITE_WIRING_SVG") == "1")
        {
            File.WriteAllText(svgPath, WiringRenderer.RenderFile(json)); // regenerate, as 'dpcpi wiring render --all' does
        }

        Assert.True(File.Exists(svgPath), $"{svgPath} is missing: run 'dpcpi wiring render --all'.");
        var expected = WiringRenderer.RenderFile(json);
        var committed = File.ReadAllText(svgPath);
        Assert.True(expected == committed, $"{svgPath} differs from the renderer's output for {json}: run 'dpcpi wiring render --all' (diagrams are generated, never drawn by hand).");
    }

    [Fact]
    public void FindWiringFiles_Repository_IncludesLoopback()
    {
        var files = WiringRenderer.FindWiringFiles(RepoPaths.WiringRoot);

        Assert.Contains(files, f => f.EndsWith(Path.Combine("loopback", "wiring.json"), StringComparison.Ordinal));
    }

    [Fact]
    public void Render_SameDocumentTwice_GivesSameBytes()
    {
        var doc = WiringLoader.Load(Path.Combine(RepoPaths.WiringRoot, "loopback", "wiring.json"));

        Assert.Equal(WiringRenderer.Render(doc), WiringRenderer.Render(doc));
    }

    [Fact]
    public void Render_Loopback_LabelsBothPinsAndDrawsTheirNet()
    {
        var svg = WiringRenderer.Render(WiringLoader.Load(Path.Combine(RepoPaths.WiringRoot, "loopback", "wiring.json")));

        Assert.StartsWith("<svg xmlns=\"http://www.w3.org/2000/svg\"", svg, StringComparison.Ordinal);
        Assert.Contains(">11 · GPIO17 · stimulus (out)<", svg, StringComparison.Ordinal);
        Assert.Contains(">13 · GPIO27 · irq (in)<", svg, StringComparison.Ordinal);
        Assert.Contains("1. pin 11 (GPIO17, stimulus) – pin 13 (GPIO27, irq) (fake delay 100 ns)", svg, StringComparison.Ordinal);
        Assert.Equal(3, NetPaths(svg, "stimulus").Count); // two stubs and the lane
        Assert.DoesNotContain("\r", svg, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_Ultrasonic_DrawsTheDividerInTheEchoPath()
    {
        var wiring = WiringLoader.Load(Path.Combine(RepoPaths.WiringRoot, "ultrasonic", "wiring.json"));
        var svg = WiringRenderer.Render(wiring);

        // ECHO reaches r1 only; r1's far end, r2 and GPIO24 share a net; r2's far end is on GND.
        Assert.Equal(new[] { new WiringEndpoint("us1", "echo"), new WiringEndpoint("r1", "1") }, wiring.Nets.Single(n => n.Name == "us1.echo").Endpoints);
        Assert.Equal(new[] { new WiringEndpoint("r1", "2"), new WiringEndpoint("r2", "1"), new WiringEndpoint("pi", "18") }, wiring.Nets.Single(n => n.Name == "echo").Endpoints);
        Assert.Contains(new WiringEndpoint("r2", "2"), wiring.Nets.Single(n => n.Name == "GND").Endpoints);

        // Drawn: a stub per endpoint plus the lane, with the resistor values on the drawing.
        Assert.Equal(3, NetPaths(svg, "us1-echo").Count);
        Assert.Equal(4, NetPaths(svg, "echo").Count);
        Assert.Contains(">1 kΩ</text>", svg, StringComparison.Ordinal);
        Assert.Contains(">2 kΩ</text>", svg, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(WiringFiles))]
    public void Render_EveryLab_DrawsAStubForEveryEndpointOfEveryNet(string lab)
    {
        var wiring = WiringLoader.Load(Path.Combine(RepoPaths.WiringRoot, lab, "wiring.json"));
        var svg = WiringRenderer.Render(wiring);

        Assert.NotEmpty(wiring.Nets);
        foreach (var net in wiring.Nets)
        {
            Assert.Equal(net.Endpoints.Count + 1, NetPaths(svg, Slug(net.Name)).Count);
        }
    }

    private static List<string> NetPaths(string svg, string slug)
    {
        XNamespace ns = "http://www.w3.org/2000/svg";
        var group = System.Xml.Linq.XDocument.Parse(svg).Descendants(ns + "g").Single(g => (string?)g.Attribute("id") == "net-" + slug);
        return [.. group.Elements(ns + "path").Select(p => (string)p.Attribute("d")!)];
    }

    private static string Slug(string name) => string.Concat(name.Select(c => char.IsAsciiLetterOrDigit(c) ? char.ToLowerInvariant(c) : '-'));
}
