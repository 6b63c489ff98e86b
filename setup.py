from setuptools import find_packages, setup


def read_requirements(path):
    """Requirement lines of ``path`` without comments or blank lines."""
    with open(path) as f:
        lines = (line.split('#')[0].strip() for line in f)
        return [line for line in lines if line]


setup(
    name='tpmm',
    version='0.1.0',
    description='Token-pruned spiking transformers for OpenMMLab '
    '(mmdet / mmseg / mmpretrain): TP-Spikformer IRToP and baselines',
    long_description=open('README.md').read() if __import__('os').path.exists('README.md') else '',
    long_description_content_type='text/markdown',
    packages=find_packages(include=['tpmm', 'tpmm.*']),
    python_requires='>=3.11',
    install_requires=read_requirements('requirements/runtime.txt'),
    extras_require={'tests': read_requirements('requirements/tests.txt')},
    license='Apache-2.0',
)
