"""The seed question of the demo (README, Makefile, tests and benchmarks use this text)."""

SEED_QUESTION = (
    "What would be a 4th line treatment option for a patient with treatment-resistant peripheral "
    "neuropathy who has already tried first-line treatments such as gabapentin (Neurontin), "
    "pregabalin (Lyrica), or duloxetine (Cymbalta), and second-line treatments like tramadol "
    "(Ultram) or tapentadol (Nucynta), and possibly third-line treatments including lidocaine "
    "(Xylocaine) patches or capsaicin cream?"
)
