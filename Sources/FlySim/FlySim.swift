// FlySim renderer: being written
