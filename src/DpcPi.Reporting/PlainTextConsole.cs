using System.Globalization;
using Spectre.Console;

namespace DpcPi.Reporting;

/// <summary>The text form of a Spectre.Console rendering (no ANSI, no colours, fixed width): files, tests, piped output.</summary>
public static class PlainTextConsole
{
    public static string Render(int width, Action<IAnsiConsole> render)
    {
        ArgumentNullException.ThrowIfNull(render);
        using var sw = new StringWriter(CultureInfo.InvariantCulture);
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Out = new AnsiConsoleOutput(sw),
            Interactive = InteractionSupport.No,
        });
        console.Profile.Width = width;
        render(console);
        return sw.ToString();
    }
}
