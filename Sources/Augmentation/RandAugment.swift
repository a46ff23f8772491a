// RandAugment: being written
