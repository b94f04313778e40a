using System.Globalization;
using Spectre.Console;

namespace DpcPi.Reporting;

/// <summary>The text form of a Spectre.Console rendering at a fixed width: plain (files, tests, pipes) or with ANSI colours (a terminal).</summary>
public static class PlainTextConsole
{
    public static string Render(int width, Action<IAnsiConsole> render) => Render(width, colour: false, render);

    public static string Render(int width, bool colour, Action<IAnsiConsole> render)
    {
        ArgumentNullException.ThrowIfNull(render);
        using var sw = new StringWriter(CultureInfo.InvariantCulture);
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = colour ? AnsiSupport.Yes : AnsiSupport.No,
            ColorSystem = colour ? ColorSystemSupport.Standard : ColorSystemSupport.NoColors,
            Out = new AnsiConsoleOutput(sw),
            Interactive = InteractionSupport.No,
        });
        console.Profile.Width = width;
        render(console);
        return sw.ToString();
    }
}
