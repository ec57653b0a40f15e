import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('articles', '0017_search_vector_stored_inline'),
        ('images', '0003_one_image_per_article'),
    ]

    operations = [
        migrations.AlterField(
            model_name='article',
            name='lead_image',
            field=models.OneToOneField(blank=True, help_text='The picture at the top of its page and on its cards, described for it.', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='article', to='images.image'),
        ),
    ]
