using System.Globalization;
using System.Text.Json.Nodes;
using DpcPi.Measurement;
using DpcPi.Reporting;
using DpcPi.TestSupport;
using Microsoft.Playwright;

namespace DpcPi.Cli.Tests.Dashboard;

/// <summary>
/// Screenshot tests of the pictures with a spike a thousand times the median, in real headless Chromium (Debian's
/// /usr/bin/chromium): on a linear axis p50, p99 and every ordinary second would sit in the bottom pixel.
/// </summary>
public sealed class PicturesBrowserTests
{
    private const string ChromiumPath = "/usr/bin/chromium";

    [Fact]
    public async Task SvgReport_ThousandTimesOutlier_P50AndP99ApartDeadlineDrawnOrdinarySecondsVisible()
    {
        using var k = new OutlierKernel();
        var report = LatencyReport.FromKernel(k.Kernel, new ReportContext { Source = "timer", DeadlineNs = 1_000_000, Duration = TimeSpan.FromSeconds(OutlierKernel.Seconds) });
        var svg = SvgPlotWriter.Render(report);
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await LaunchAsync(playwright);
        var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = SvgPlotWriter.Width, Height = SvgPlotWriter.Height } });
        await page.SetContentAsync("<!DOCTYPE html><html><body style=\"margin:0\">" + svg[svg.IndexOf("<svg", StringComparison.Ordinal)..] + "</body></html>");

        var p50 = await BoxAsync(page, "#p50-marker");
        var p99 = await BoxAsync(page, "#p99-marker");
        Assert.True(p99.X - p50.X > 100, $"p50 at x={p50.X}, p99 at x={p99.X}");
        foreach (var deadline in new[] { "#histogram-deadline", "#deadline", "#timeline-deadline" })
        {
            var box = await BoxAsync(page, deadline);
            Assert.True(Math.Max(box.Width, box.Height) > 200, $"{deadline} is {box.Width}x{box.Height}");
        }

        var bars = await page.Locator("rect.bar").AllAsync();
        Assert.Equal(OutlierKernel.Seconds, bars.Count);
        var heights = new List<float>();
        foreach (var bar in bars)
        {
            heights.Add((await bar.BoundingBoxAsync())!.Height);
        }

        Assert.True(heights.Min() > 40, $"the lowest per-second bar is {heights.Min()} px beside a 10 ms one");
        Assert.Equal(3, await page.Locator("g.legend").CountAsync());
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(ArtifactsDir(), "latency-outlier-svg.png"), FullPage = true });
    }

    [Fact]
    public async Task Dashboard_ThousandTimesOutlier_TimelineOnALogAxisWithDeadlineLine()
    {
        await using var host = await DashboardHost.StartAsync();
        var snapshot = JsonNode.Parse(await host.GetAsync("api/snapshot"))!;
        // Sixty ordinary seconds of 20-40 µs and one of 10 ms, a deadline of 1 ms.
        var seconds = new JsonArray();
        for (var i = 0; i < 60; i++)
        {
            seconds.Add(i == 30 ? 10_000.0 : 20.0 + (i % 3 * 10));
        }

        snapshot["timeline"] = new JsonObject { ["firstSecond"] = 0, ["maxUs"] = seconds };
        snapshot["absoluteMaxUs"] = 10_000.0;
        snapshot["deadlineUs"] = 1000;
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await LaunchAsync(playwright);
        var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1440, Height = 1000 } });
        await page.RouteAsync("**/events", route => route.AbortAsync()); // no live update replaces the crafted snapshot
        await page.RouteAsync("**/api/snapshot", route => route.FulfillAsync(new RouteFulfillOptions { ContentType = "application/json", Body = snapshot.ToJsonString() }));
        await page.GotoAsync(host.Url.ToString());

        var canvas = page.Locator("#timeline");
        await Assertions.Expect(canvas).ToHaveAttributeAsync("data-scale", "log");
        var lowest = double.Parse((await canvas.GetAttributeAsync("data-lowest-bar-px"))!, CultureInfo.InvariantCulture);
        var plotHeight = double.Parse((await canvas.GetAttributeAsync("data-plot-height"))!, CultureInfo.InvariantCulture);
        var deadlineY = double.Parse((await canvas.GetAttributeAsync("data-deadline-y"))!, CultureInfo.InvariantCulture);
        var ticks = (await canvas.GetAttributeAsync("data-ticks"))!.Split(',').Select(t => double.Parse(t, CultureInfo.InvariantCulture)).ToArray();

        Assert.True(lowest > 10, $"the lowest bar is {lowest} px of {plotHeight} (a linear axis to 10 ms gives under 1 px)");
        Assert.InRange(deadlineY, 10, 10 + plotHeight);
        Assert.Contains(1000.0, ticks);
        Assert.All(ticks, t => Assert.Contains(Math.Round(t / Math.Pow(10, Math.Floor(Math.Log10(t))), 9), new[] { 1.0, 2.0, 5.0 }));
        Assert.Contains("deadline", await page.Locator(".panel.wide .legend").InnerTextAsync(), StringComparison.Ordinal);
        Assert.Equal(1, await page.Locator("#stages-legend").CountAsync());
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(ArtifactsDir(), "dashboard-outlier.png"), FullPage = true });
    }

    [Fact]
    public async Task Dashboard_AnalyzeUsWithLateEdges_WhyWasItLatePanelNamesTheCauseWithItsShare()
    {
        // Every fake edge is stamped 300 µs before it is delivered: each interrupt is over the 100 µs threshold, and
        // the time before its ISR ran is what made it late.
        await using var host = await DashboardHost.StartAsync("--Source:FakeLatencyUs=300", "--Report:AnalyzeUs=100");
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await LaunchAsync(playwright);
        var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1440, Height = 1000 } });
        await page.GotoAsync(host.Url.ToString());

        var why = page.Locator("#why");
        await Assertions.Expect(why).ToBeVisibleAsync(new() { Timeout = 30_000 });
        await Assertions.Expect(page.Locator("#why-sub")).ToContainTextAsync("at or over 100 µs", new() { Timeout = 30_000 });
        var wake = page.Locator("#why-causes tbody tr", new() { HasText = AttributionSummary.Describe(LatencyCause.IsrWake) });
        await Assertions.Expect(wake).ToHaveCountAsync(1, new() { Timeout = 30_000 });
        var share = double.Parse((await wake.Locator("td").Nth(2).InnerTextAsync()).Replace("%", string.Empty, StringComparison.Ordinal).Trim(), CultureInfo.InvariantCulture);
        Assert.InRange(share, 50, 100); // 300 µs of each interrupt's edge→DPC start, most of it
        Assert.NotEmpty((await page.Locator("#why-cause").InnerTextAsync()).Trim());
        await why.ScreenshotAsync(new LocatorScreenshotOptions { Path = Path.Combine(ArtifactsDir(), "dashboard-why.png") });
    }

    [Fact]
    public async Task Dashboard_AnalyzeOff_NoWhyPanel()
    {
        await using var host = await DashboardHost.StartAsync();
        Assert.Null(JsonNode.Parse(await host.GetAsync("api/snapshot"))!["attribution"]);
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await LaunchAsync(playwright);
        var page = await browser.NewPageAsync();
        await page.GotoAsync(host.Url.ToString());

        await Assertions.Expect(page.Locator("#interrupts")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex(@"\d"), new() { Timeout = 30_000 });
        await Assertions.Expect(page.Locator("#why")).ToBeHiddenAsync();
    }

    private static async Task<IBrowser> LaunchAsync(IPlaywright playwright)
    {
        Assert.True(File.Exists(ChromiumPath), $"{ChromiumPath} is missing: install Debian's chromium (apt-get install -y chromium)");
        return await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--headless"],
        });
    }

    private static async Task<LocatorBoundingBoxResult> BoxAsync(IPage page, string selector) =>
        await page.Locator(selector).BoundingBoxAsync() ?? throw new InvalidOperationException($"{selector} is not drawn");

    private static string ArtifactsDir()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "DpcPi.sln")))
            {
                var artifacts = Path.Combine(dir.FullName, "artifacts");
                Directory.CreateDirectory(artifacts);
                return artifacts;
            }
        }

        var temp = Path.Combine(Path.GetTempPath(), "dpcpi-artifacts");
        Directory.CreateDirectory(temp);
        return temp;
    }
}
