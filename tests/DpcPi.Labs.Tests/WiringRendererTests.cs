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
    public void Render_Loopback_HighlightsUsedPinsAndDrawsWireThroughPart()
    {
        var svg = WiringRenderer.Render(WiringLoader.Load(Path.Combine(RepoPaths.WiringRoot, "loopback", "wiring.json")));

        Assert.StartsWith("<svg xmlns=\"http://www.w3.org/2000/svg\"", svg, StringComparison.Ordinal);
        Assert.Contains("stimulus: GPIO17 / pin 11 (output)", svg, StringComparison.Ordinal);
        Assert.Contains("irq: GPIO27 / pin 13 (input)", svg, StringComparison.Ordinal);
        Assert.Contains("j1 (jumper)", svg, StringComparison.Ordinal);
        Assert.Contains("stimulus (pin 11) → irq (pin 13) via j1, fake delay 100 ns", svg, StringComparison.Ordinal);
        Assert.Contains("<path d=\"M 330 238 H 470 V 132 H 640 M 640 152 H 477 V 262 H 330\"", svg, StringComparison.Ordinal);
        Assert.DoesNotContain("\r", svg, StringComparison.Ordinal);
        _ = System.Xml.Linq.XDocument.Parse(svg); // well-formed XML
    }
}
