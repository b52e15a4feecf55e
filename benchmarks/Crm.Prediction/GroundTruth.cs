using Crm.Leads.Prediction;

namespace Crm.Prediction;

/// <summary>
/// The known model the benchmark's histories are drawn from: a logistic model over a few features, with an
/// interaction (replies count only on whatsapp) and non-linearities (the first touch decays logarithmically, never
/// touched is worse than any touch; the budget saturates). Every other feature is noise. The only randomness in a
/// label is its Bernoulli draw from <see cref="Probability"/>, so the true probabilities are the best scores any
/// model could give: their AUC is the ceiling.
/// </summary>
public static class GroundTruth
{
    public const string Formula = """
        logit = -2.4 + 1.0 [whatsapp] + 0.5 [phone channel] + 0.55 min(calls, 4) + 0.6 min(replies, 3) [whatsapp]
                + 0.12 fitScore + 0.4 [hasPhone] + 0.9 [cartEvents > 0]
                - 0.9 ln(1 + minutesToFirstTouch / 60)   (never touched: -2.5)
                + 0.8 tanh(log10(budget / 5000))         (unknown budget: 0)
        """;

    private static readonly string[] Sources = ["landing-page", "import", "referral", "event"];
    private static readonly string[] Regions = ["north", "south", "east", "west", "central"];
    private static readonly string[] Interests = ["crm", "erp", "support", "analytics"];

    /// <summary>Channels with their weights (web 35 %, ads 20 %, whatsapp 15 %, email 15 %, phone 10 %, sms 5 %).</summary>
    private static readonly (string Channel, int Weight)[] Channels = [("web", 35), ("ads", 20), ("whatsapp", 15), ("email", 15), ("phone", 10), ("sms", 5)];

    public static double Probability(ConversionFeatures f)
    {
        var whatsapp = f.Channel == "whatsapp" ? 1.0 : 0.0;
        var logit = -2.4
            + (1.0 * whatsapp)
            + (f.Channel == "phone" ? 0.5 : 0.0)
            + (0.55 * Math.Min(f.Calls, 4))
            + (0.6 * Math.Min(f.Replies, 3) * whatsapp)
            + (0.12 * f.FitScore)
            + (f.HasPhone ? 0.4 : 0.0)
            + (f.CartEvents > 0 ? 0.9 : 0.0)
            + (f.MinutesToFirstTouch is { } touch ? -0.9 * Math.Log(1 + (touch / 60.0)) : -2.5)
            + (f.BudgetAmount is { } budget ? 0.8 * Math.Tanh(Math.Log10(budget / 5000.0)) : 0.0);
        return 1 / (1 + Math.Exp(-logit));
    }

    /// <summary><paramref name="count"/> leads, each with its true probability and its label drawn from it.</summary>
    public static List<(LabeledLead Lead, double TrueProbability)> Generate(int count, int seed)
    {
        var random = new Random(seed);
        var leads = new List<(LabeledLead, double)>(count);
        for (var i = 0; i < count; i++)
        {
            var pages = Poisson(random, 3);
            var opens = Poisson(random, 2);
            var features = new ConversionFeatures
            {
                Source = Sources[random.Next(Sources.Length)],
                Channel = Channel(random),
                Campaign = random.NextDouble() < 0.4 ? null : $"campaign-{random.Next(1, 9)}",
                Region = Regions[random.Next(Regions.Length)],
                Interest = random.NextDouble() < 0.3 ? null : Interests[random.Next(Interests.Length)],
                FitScore = random.Next(0, 11),
                EngagementScore = random.Next(0, 21),
                PagesVisited = pages,
                PageViews = pages * 2 + Poisson(random, 1),
                Downloads = Poisson(random, 0.5),
                Clicks = Poisson(random, 2),
                FormSubmits = Poisson(random, 0.3),
                EmailOpens = opens,
                EmailClicks = Math.Min(opens, Poisson(random, 0.7)),
                Replies = Poisson(random, 0.6),
                Calls = Poisson(random, 1.2),
                CartEvents = random.NextDouble() < 0.1 ? Poisson(random, 1) + 1 : 0,
                Orders = random.NextDouble() < 0.03 ? 1 : 0,
                HasName = random.NextDouble() < 0.8,
                HasEmail = random.NextDouble() < 0.85,
                HasPhone = random.NextDouble() < 0.6,
                BudgetAmount = random.NextDouble() < 0.5 ? null : (float)Math.Round(5000 * Math.Exp(Normal(random)), 0),
                DaysToDecision = random.NextDouble() < 0.6 ? null : random.Next(1, 181),
                MinutesToFirstTouch = random.NextDouble() < 0.15 ? null : (float)Math.Round(Exponential(random, 180), 0),
                MinutesToAssignment = random.NextDouble() < 0.1 ? null : (float)Math.Round(Exponential(random, 20), 0),
            };
            var probability = Probability(features);
            leads.Add((new LabeledLead(features, random.NextDouble() < probability), probability));
        }

        return leads;
    }

    private static string Channel(Random random)
    {
        var pick = random.Next(100);
        foreach (var (channel, weight) in Channels)
        {
            if (pick < weight)
            {
                return channel;
            }

            pick -= weight;
        }

        return Channels[^1].Channel;
    }

    private static int Poisson(Random random, double mean)
    {
        var limit = Math.Exp(-mean);
        var product = random.NextDouble();
        var count = 0;
        while (product > limit)
        {
            product *= random.NextDouble();
            count++;
        }

        return count;
    }

    private static double Exponential(Random random, double mean) => -mean * Math.Log(1 - random.NextDouble());

    private static double Normal(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
