using Crm.Leads.Prediction;

namespace Crm.Leads.Tests.Prediction;

/// <summary>
/// Generated lead histories with a known signal: calls and the whatsapp channel raise the chance, a first touch
/// later than three hours (or never) lowers it, an unknown budget lowers it a little; pages, region and interest
/// are noise.
/// </summary>
internal static class ConversionHistory
{
    private static readonly string[] Channels = ["whatsapp", "web", "web", "email", "ads"];
    private static readonly string[] Regions = ["north", "south", "east", "west"];

    public static List<LabeledLead> Generate(int count, int seed)
    {
        var random = new Random(seed);
        var leads = new List<LabeledLead>(count);
        for (var i = 0; i < count; i++)
        {
            var features = new ConversionFeatures
            {
                Source = random.Next(2) == 0 ? "landing-page" : "import",
                Channel = Channels[random.Next(Channels.Length)],
                Region = Regions[random.Next(Regions.Length)],
                Interest = random.Next(3) == 0 ? null : "crm",
                PagesVisited = random.Next(0, 8),
                PageViews = random.Next(0, 30),
                Calls = random.Next(0, 5),
                HasEmail = true,
                HasPhone = random.Next(2) == 0,
                BudgetAmount = random.Next(3) == 0 ? null : random.Next(500, 50_000),
                MinutesToFirstTouch = random.Next(5) == 0 ? null : (float)(-120 * Math.Log(1 - random.NextDouble())),
            };
            leads.Add(new LabeledLead(features, random.NextDouble() < TrueProbability(features)));
        }

        return leads;
    }

    public static double TrueProbability(ConversionFeatures f)
    {
        var z = -2.0
            + (f.Channel == "whatsapp" ? 1.8 : 0)
            + 0.8 * f.Calls
            - (f.MinutesToFirstTouch is not { } touch || touch > 180 ? 1.4 : 0)
            - (f.BudgetAmount is null ? 0.6 : 0);
        return 1 / (1 + Math.Exp(-z));
    }

    /// <summary>A lead with every strong feature: whatsapp, four calls, touched within five minutes.</summary>
    public static ConversionFeatures Strong() => new()
    {
        Source = "landing-page",
        Channel = "whatsapp",
        Region = "north",
        Interest = "crm",
        PagesVisited = 3,
        PageViews = 10,
        Calls = 4,
        HasEmail = true,
        HasPhone = true,
        BudgetAmount = 20_000,
        MinutesToFirstTouch = 5,
    };

    /// <summary>A lead without them: web, no calls, first touched after ten hours.</summary>
    public static ConversionFeatures Weak() => Strong() with { Channel = "web", Calls = 0, MinutesToFirstTouch = 600 };
}
