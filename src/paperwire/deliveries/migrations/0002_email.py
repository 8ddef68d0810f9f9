from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('deliveries', '0001_destinations'),
    ]

    operations = [
        migrations.AlterField(
            model_name='destination',
            name='kind',
            field=models.CharField(choices=[('webhook', 'Webhook (signed JSON)'), ('slack', 'Slack incoming webhook'), ('discord', 'Discord webhook'), ('email', 'Email to your own address')], max_length=10),
        ),
        migrations.AlterField(
            model_name='destination',
            name='url',
            field=models.CharField(blank=True, max_length=2000),
        ),
    ]
