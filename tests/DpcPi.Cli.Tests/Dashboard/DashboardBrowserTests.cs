using Microsoft.Playwright;

namespace DpcPi.Cli.Tests.Dashboard;

/// <summary>
/// Opens the dashboard in real headless Chromium (Debian's /usr/bin/chromium, installed by test.sh; never a
/// downloaded browser) and checks that it renders and updates live over server-sent events.
/// </summary>
public sealed class DashboardBrowserTests
{
    private const string ChromiumPath = "/usr/bin/chromium";

    [Fact]
    public async Task Dashboard_OpenInChromium_NumbersUpdateLiveAndScreenshotSaved()
    {
        Assert.True(File.Exists(ChromiumPath), $"{ChromiumPath} is missing: install Debian's chromium (apt-get install -y chromium; test.sh does this when run as root)");
        await using var host = await DashboardHost.StartAsync();
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--headless"],
        });
        var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1440, Height = 1000 } });
        var errors = new List<string>();
        page.PageError += (_, e) => errors.Add(e);
        page.Console += (_, m) =>
        {
            if (m.Type == "error")
            {
                errors.Add(m.Text);
            }
        };

        await page.GotoAsync(host.Url.ToString());
        var interrupts = page.Locator("#interrupts");
        var first = await WaitForTextAsync(() => interrupts.InnerTextAsync(), t => t.Any(char.IsDigit), "the interrupts counter never showed a number");
        var second = await WaitForTextAsync(() => interrupts.InnerTextAsync(), t => t.Any(char.IsDigit) && t != first, $"the interrupts counter stayed at {first} (no live SSE update)");
        _ = await WaitForTextAsync(() => interrupts.InnerTextAsync(), t => t != second, $"the interrupts counter stayed at {second} after a second update");

        Assert.Equal("fake", await page.Locator("#source").InnerTextAsync());
        Assert.Contains("measuring", await page.Locator("#state").InnerTextAsync(), StringComparison.Ordinal);
        Assert.Equal(5, await page.Locator("#stages .stage").CountAsync());
        Assert.True(await page.Locator("#cpus tbody tr").CountAsync() >= 1);
        Assert.Equal("badge on", await page.Locator(".badge[data-g=pinned]").GetAttributeAsync("class"));
        Assert.Matches(@"\d", await page.Locator("#absmax").InnerTextAsync());

        var dir = Path.Combine(RepoRoot(), "artifacts");
        Directory.CreateDirectory(dir);
        var png = Path.Combine(dir, "dashboard.png");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = png, FullPage = true });
        Assert.True(new FileInfo(png).Length > 10_000, "the screenshot is suspiciously small");
        Assert.Empty(errors);
    }

    private static async Task<string> WaitForTextAsync(Func<Task<string>> read, Func<string, bool> done, string message)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (true)
        {
            var text = await read();
            if (done(text))
            {
                return text;
            }

            Assert.True(DateTime.UtcNow < deadline, message);
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }
    }

    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "DpcPi.sln")))
            {
                return dir.FullName;
            }
        }

        // Built outside the tree (--artifacts-path): fall back to the source tree this file was compiled from.
        return Path.GetFullPath(Path.Combine(SourceDir(), "..", "..", ".."));
    }

    private static string SourceDir([System.Runtime.CompilerServices.CallerFilePath] string path = "") => Path.GetDirectoryName(path)!;
}
